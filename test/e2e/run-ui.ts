// The UI test, as a person would use Switchyard: type in a file of the sample workspace, see the ghost text, press
// Tab and read the line; open the chat, send a message, read the streamed reply in the webview. Screenshots are kept
// in .vscode-test/artifacts/ui/. Exit 0: passed; 1: a check failed; 2: the harness failed.
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { prepareTestModel, testModelSettings } from './test-model';
import { isNoise, launchBrowser, Page, prepareRun, ROOT, startServer, workbenchUrl } from './vscode-server';

const NBSP = /\u00a0/g;
const GHOST = '.ghost-text-decoration, .ghost-text-decoration-preview, .ghost-text';

async function main(): Promise<number> {
  const model =
    process.env.SWITCHYARD_TEST_MODEL ?? prepareTestModel(path.join(ROOT, '.vscode-test/models/v3-tiny-bytes'));
  const dirs = prepareRun('ui', {
    ...testModelSettings(model),
    'switchyard.completion.maxLines': 1,
    'workbench.colorTheme': 'Default Dark Modern',
  });
  const server = await startServer(dirs);
  const browser = await launchBrowser(dirs);
  const shot = (page: Page, name: string) => page.screenshot({ path: path.join(dirs.artifacts, `${name}.png`) });
  try {
    const page = await browser.newPage();
    let activated = false;
    page.on('console', (m) => {
      if (m.text().includes('[switchyard] activated')) activated = true;
      else if (m.type() === 'error' && !isNoise(m.text())) console.error(`[console] ${m.text()}`);
    });
    await page.goto(workbenchUrl(server, dirs));
    await page.waitForSelector('.monaco-workbench', { timeout: 60_000 });
    await page.waitForSelector('.explorer-folders-view .monaco-list-row', { timeout: 60_000 });
    for (let i = 0; !activated; i++) {
      if (i > 600) throw new Error('the extension never logged its activation');
      await page.waitForTimeout(100);
    }
    // The engine is ready once the status bar shows the speed-less ready state or a model tooltip.
    await page.waitForSelector(
      '[id="switchyard.switchyard.switchyard.status"], .statusbar-item[aria-label*="Switchyard engine ready"]',
      { timeout: 60_000 },
    );

    // --- inline completion: open matrix.ts, type at its end, wait for ghost text, accept it with Tab.
    await page.locator('.explorer-folders-view .monaco-list-row', { hasText: 'matrix.ts' }).click();
    const editor = page.locator('.editor-instance .monaco-editor').first();
    await editor.waitFor({ timeout: 30_000 });
    await editor.locator('.view-lines').click();
    await page.keyboard.press('Control+End');
    await page.keyboard.press('Enter');
    await page.keyboard.type('export function trace(m: Matrix): number {', { delay: 40 });
    await page.keyboard.press('Enter');
    await page.keyboard.type('return ', { delay: 60 });
    let ghost = '';
    for (let attempt = 0; attempt < 6 && !ghost; attempt++) {
      try {
        await page.waitForSelector(GHOST, { timeout: 8000 });
        ghost = (await page.locator(GHOST).allTextContents()).join('').replace(NBSP, ' ');
      } catch {
        // a suggestion can be empty after the stop rules: type one more character and look again
        await page.keyboard.type('m', { delay: 60 });
      }
    }
    await shot(page, '1-ghost-text');
    assert.ok(ghost.trim().length > 0, 'ghost text appeared in the editor');
    const lineBefore = await currentLineText(page);
    await page.keyboard.press('Tab');
    await page.waitForTimeout(300);
    const lineAfter = await currentLineText(page);
    // VS Code asks for the next suggestion right after Tab, and a fast engine may show one within the wait: what must
    // be gone is the accepted ghost text, not every ghost text.
    const ghostAfter = (await page.locator(GHOST).allTextContents()).join('').replace(NBSP, ' ');
    assert.notEqual(ghostAfter, ghost, 'the accepted ghost text is gone after Tab');
    await shot(page, '2-accepted');
    assert.ok(
      lineAfter.length > lineBefore.length,
      `Tab inserted the suggestion: ${JSON.stringify({ lineBefore, lineAfter, ghost })}`,
    );
    assert.ok(
      lineAfter.includes(ghost.split('\n')[0].trimEnd()),
      `the line holds the ghost text: ${JSON.stringify({ lineAfter, ghost })}`,
    );
    console.log(`completion: ghost ${JSON.stringify(ghost)} accepted -> ${JSON.stringify(lineAfter)}`);

    // --- chat: open the Switchyard view, send a message, read the streamed reply.
    await page.locator('.activitybar .action-item a[aria-label^="Switchyard"]').first().click();
    const chat = page.frameLocator('iframe.webview.ready').frameLocator('iframe#active-frame');
    // The script has run once it rendered the conversation (the empty-state line); before that a click does nothing.
    await chat.locator('#log .empty, #log article').first().waitFor({ timeout: 30_000 });
    await chat.locator('#input').fill('What is $2+2$? Answer in one line.');
    await chat.locator('#input').press('Enter');
    await chat.locator('article.user').last().waitFor({ timeout: 10_000 });
    const reply = chat.locator('article.assistant[data-done="true"]').last();
    await reply.waitFor({ timeout: 60_000 });
    await shot(page, '3-chat-reply');
    const replyText = (await reply.locator('.body').textContent()) ?? '';
    const userText = (await chat.locator('article.user .body').last().textContent()) ?? '';
    assert.equal(userText, 'What is $2+2$? Answer in one line.');
    assert.ok(replyText.trim().length > 0, 'the reply has text');
    assert.ok(!(await reply.locator('.error').count()), `no error: ${replyText}`);
    console.log(`chat: reply of ${replyText.length} characters`);
    console.log(`screenshots in ${dirs.artifacts}`);
    return 0;
  } catch (err) {
    console.error(err instanceof Error ? err.message : err);
    for (const p of browser.pages()) await shot(p, 'failure').catch(() => undefined);
    return err instanceof assert.AssertionError ? 1 : 2;
  } finally {
    await browser.close().catch(() => undefined);
    server.stop();
  }
}

/** The text of the line with the cursor, without ghost text (what is really in the document). */
async function currentLineText(page: Page): Promise<string> {
  return page.evaluate((ghostSelector) => {
    interface Node {
      textContent: string | null;
      getBoundingClientRect(): { top: number };
      cloneNode(deep: boolean): Node;
      querySelectorAll(s: string): ArrayLike<{ remove(): void }>;
    }
    const d = (
      globalThis as unknown as {
        document: { querySelector(s: string): Node | null; querySelectorAll(s: string): ArrayLike<Node> };
      }
    ).document;
    const cur = d.querySelector('.editor-instance .monaco-editor .view-overlays .current-line');
    if (!cur) return '';
    const top = cur.getBoundingClientRect().top;
    const line = Array.from(d.querySelectorAll('.editor-instance .monaco-editor .view-line')).find(
      (l) => Math.abs(l.getBoundingClientRect().top - top) < 2,
    );
    if (!line) return '';
    const copy = line.cloneNode(true);
    Array.from(copy.querySelectorAll(ghostSelector)).forEach((g) => g.remove());
    return (copy.textContent ?? '').replace(/\u00a0/g, ' ');
  }, GHOST);
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err);
    process.exit(2);
  },
);
