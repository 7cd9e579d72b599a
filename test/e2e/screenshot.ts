// Takes the README's screenshot (media/screenshot.png): the sample workspace in the VS Code server with the default
// model, ghost text in fib.py if the model offers one, and a chat turn about a selected derivation.
// Usage: npx tsx test/e2e/screenshot.ts [--model DIR]
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { launchBrowser, prepareRun, ROOT, startServer, workbenchUrl } from './vscode-server';

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { model: { type: 'string', default: path.join(ROOT, 'engine/models/default') } } });
  const dirs = prepareRun('screenshot', { 'switchyard.modelPath': values.model, 'workbench.colorTheme': 'Default Dark Modern', 'window.zoomLevel': 0 });
  const server = await startServer(dirs);
  const browser = await launchBrowser(dirs);
  try {
    const page = await browser.newPage();
    let activated = false;
    page.on('console', (m) => m.text().includes('[switchyard] activated') && (activated = true));
    await page.goto(workbenchUrl(server.port, dirs));
    await page.waitForSelector('.explorer-folders-view .monaco-list-row', { timeout: 60_000 });
    while (!activated) await page.waitForTimeout(100);
    await page.locator('.explorer-folders-view .monaco-list-row', { hasText: 'derivation.md' }).click();
    await page.locator('.editor-instance .monaco-editor .view-lines').first().click();
    await page.keyboard.press('Control+A');
    await page.keyboard.press('F1');
    await page.keyboard.type('Switchyard: Ask About Selection', { delay: 10 });
    await page.keyboard.press('Enter');
    const chat = page.frameLocator('iframe.webview.ready').frameLocator('iframe#active-frame');
    await chat.locator('#log .empty, #log article').first().waitFor({ timeout: 30_000 });
    await chat.locator('#input').fill('Is the last step right? Explain $(x+1)^2 - x^2$.');
    await chat.locator('#input').press('Enter');
    await chat.locator('article.assistant[data-done="true"]').last().waitFor({ timeout: 120_000 });
    await page.keyboard.press('Escape');
    await page.waitForTimeout(500);
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
