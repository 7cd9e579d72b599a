// Runs the mocha suite in test/suite/ inside the extension host of a real VS Code 1.100 server, with the workbench
// opened by headless Chromium. Exit 0: suite green; 1: test failures; 2: the harness itself failed or timed out.
import * as path from 'node:path';
import { format } from 'node:util';
import { prepareTestModel, suiteSettings } from './test-model';
import { launchBrowser, prepareRun, ROOT, startServer, workbenchUrl, isNoise } from './vscode-server';

const TIMEOUT_MS = Number(process.env.SWITCHYARD_SUITE_TIMEOUT_MS ?? 6 * 60_000);

async function main(): Promise<number> {
  const model =
    process.env.SWITCHYARD_TEST_MODEL ?? prepareTestModel(path.join(ROOT, '.vscode-test/models/v3-tiny-bytes'));
  const dirs = prepareRun('suite', suiteSettings(model));
  const server = await startServer(dirs, {
    SWITCHYARD_TEST_WORKSPACE: dirs.workspace,
    SWITCHYARD_TEST_ARTIFACTS: dirs.artifacts,
  });
  const browser = await launchBrowser(dirs);
  let finish: (code: number) => void = () => undefined;
  const done = new Promise<number>((r) => (finish = r));
  const timer = setTimeout(() => {
    console.error(`suite did not finish within ${TIMEOUT_MS / 1000} s`);
    finish(2);
  }, TIMEOUT_MS);
  try {
    const page = await browser.newPage();
    await page.exposeFunction('codeAutomationLog', (type: string, args: unknown[]) => {
      const text = format(...args);
      if (!isNoise(text)) (type === 'error' ? console.error : console.log)(text);
    });
    await page.exposeFunction('codeAutomationExit', (code: number) => finish(code));
    page.on('pageerror', (e) => !isNoise(e.message) && console.error(`[page] ${e.message}`));
    await page.goto(workbenchUrl(server, dirs, path.join(ROOT, 'out/test/suite/index.js')));
    const code = await done;
    await page.screenshot({ path: path.join(dirs.artifacts, 'workbench-at-end.png') }).catch(() => undefined);
    return code;
  } finally {
    clearTimeout(timer);
    await browser.close().catch(() => undefined);
    server.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err);
    process.exit(2);
  },
);
