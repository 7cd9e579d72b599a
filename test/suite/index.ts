// The extension-host test suite (the @vscode/test-electron convention: export run()). Both launchers load this bundle:
// test/e2e/run-suite.ts (VS Code server + headless Chromium) and test/e2e/run-electron.ts (desktop VS Code).
import Mocha from 'mocha';

export function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'bdd', timeout: 60_000, color: false, reporter: 'spec' });
  // The test files are bundled into this file; define mocha's globals, then let them register their suites.
  mocha.suite.emit('pre-require', globalThis, 'switchyard-suite', mocha);
  require('./activation.test');
  require('./engine.test');
  require('./completion.test');
  require('./chat.test');
  require('./chat-input.test');
  require('./proof.test');
  require('./remote.test');
  require('./shutdown.test');
  return new Promise((resolve, reject) => {
    mocha.run((failures) => (failures > 0 ? reject(new Error(`${failures} test(s) failed`)) : resolve()));
  });
}
