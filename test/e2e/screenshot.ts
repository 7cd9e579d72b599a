// Takes the README's screenshot (media/screenshot.png): the sample workspace in the VS Code server with the default
// model, Check Proof run on a derivation with a planted error (✓ on the verified steps, the wrong one underlined,
// its counterexample in the Problems view, the summary in a notification). It shows what works without a big model; completions from the small
// default model are not shown (most of them are cut by the repetition guard).
// Usage: npx tsx test/e2e/screenshot.ts [--model DIR]
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { launchBrowser, prepareRun, ROOT, startServer, workbenchUrl, type Page } from './vscode-server';

async function command(page: Page, title: string): Promise<void> {
  await page.keyboard.press('F1');
  await page.keyboard.type(title, { delay: 10 });
  await page.waitForTimeout(300);
  await page.keyboard.press('Enter');
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { model: { type: 'string', default: path.join(ROOT, 'engine/models/default') } },
  });
  const dirs = prepareRun('screenshot', {
    'switchyard.modelPath': values.model,
    'switchyard.completion.enabled': false,
    'workbench.colorTheme': 'Default Dark Modern',
    'window.zoomLevel': 0,
    'editor.minimap.enabled': false,
  });
  const server = await startServer(dirs);
  const browser = await launchBrowser(dirs);
  try {
    const page = await browser.newPage();
    let activated = false;
    page.on('console', (m) => m.text().includes('[switchyard] activated') && (activated = true));
    await page.goto(workbenchUrl(server, dirs));
    await page.waitForSelector('.explorer-folders-view .monaco-list-row', { timeout: 60_000 });
    while (!activated) await page.waitForTimeout(100);
    await page.waitForSelector('.statusbar-item[aria-label*="Switchyard"]', { timeout: 60_000 });
    await page.locator('.explorer-folders-view .monaco-list-row', { hasText: 'expansion.md' }).click();
    await page.locator('.editor-instance .monaco-editor .view-lines').first().click();
    await command(page, 'Switchyard: Check Proof');
    await page.waitForSelector('.editor-instance .squiggly-error', { timeout: 60_000 });
    await command(page, 'View: Focus Problems');
    await page.waitForSelector('.markers-panel .monaco-list-row', { timeout: 30_000 });
    // the summary notification beside the ✓ marks and the Problems row (a hover would hide the ✓ marks)
    await page.waitForSelector('.notification-toast', { timeout: 15_000 }).catch(() => undefined);
    await page.waitForTimeout(1000);
    await page.screenshot({ path: path.join(ROOT, 'media/screenshot.png') });
    console.log('wrote media/screenshot.png');
  } finally {
    await browser.close();
    server.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
