// `npm run test:electron`: the same suite (test/suite/) in desktop VS Code 1.100.3, downloaded by @vscode/test-electron.
// For machines that can reach update.code.visualstudio.com; `npm test` uses the VS Code server launcher instead.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runTests } from '@vscode/test-electron';
import { prepareTestModel, suiteSettings } from './test-model';
import { prepareRun, ROOT } from './vscode-server';

async function main(): Promise<number> {
  const model =
    process.env.SWITCHYARD_TEST_MODEL ?? prepareTestModel(path.join(ROOT, '.vscode-test/models/v3-tiny-bytes'));
  const dirs = prepareRun('electron', suiteSettings(model));
  if (!fs.existsSync(path.join(ROOT, 'out/test/suite/index.js')))
    throw new Error('out/test/suite/index.js missing: run `node esbuild.js`');
  await runTests({
    version: process.env.SWITCHYARD_VSCODE_VERSION ?? '1.100.3',
    extensionDevelopmentPath: ROOT,
    extensionTestsPath: path.join(ROOT, 'out/test/suite/index.js'),
    launchArgs: [
      dirs.workspace,
      '--user-data-dir',
      dirs.user,
      '--disable-workspace-trust',
      '--disable-extensions',
      '--skip-welcome',
    ],
  });
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  },
);
