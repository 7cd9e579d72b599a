// The chat renderer in real Chromium: model output that tries to run script must not run, and Markdown, code and
// math must still render. Runs without the webview's CSP, so it proves the sanitiser on its own.
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { build } from 'esbuild';
import { chromium, Browser, Page } from 'playwright-core';
import { CHROMIUM, ROOT } from './vscode-server';

describe('chat renderer in Chromium', function () {
  this.timeout(60_000);
  let browser: Browser;
  let page: Page;

  before(async () => {
    const out = await build({
      entryPoints: [path.join(ROOT, 'test/e2e/webview/renderer-page.ts')],
      bundle: true,
      write: false,
      platform: 'browser',
      format: 'iife',
      target: 'es2022',
    });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu'],
    });
    page = await browser.newPage();
    await page.setContent('<!DOCTYPE html><html><body><div id="out"></div></body></html>');
    await page.addScriptTag({ content: out.outputFiles[0].text });
  });

  after(async () => browser?.close());

  /** Renders `md` into the page the way the webview does (innerHTML), waits for anything to fire, reports. */
  async function show(md: string) {
    return page.evaluate(async (text) => {
      // Runs in the page (the Node project has no DOM types, hence the local shapes).
      interface El {
        innerHTML: string;
        textContent: string | null;
        attributes: ArrayLike<{ name: string; value: string }>;
        querySelectorAll(s: string): ArrayLike<El>;
      }
      const w = globalThis as unknown as {
        renderMarkdown(s: string): string;
        pwned?: number;
        document: { getElementById(id: string): El };
      };
      w.pwned = 0;
      const out = w.document.getElementById('out');
      out.innerHTML = w.renderMarkdown(text);
      await new Promise((r) => setTimeout(r, 300)); // let an image error or a timer fire, were there one
      const attrs = Array.from(out.querySelectorAll('*')).flatMap((el) =>
        Array.from(el.attributes).map((a) => `${a.name}=${a.value}`),
      );
      return {
        pwned: w.pwned,
        html: out.innerHTML,
        text: out.textContent ?? '',
        scripts: out.querySelectorAll('script').length,
        eventAttrs: attrs.filter((a) => /^on/i.test(a)),
        jsUrls: attrs.filter((a) => /javascript:/i.test(a)),
        katex: out.querySelectorAll('.katex').length,
        displayMath: out.querySelectorAll('.katex-display').length,
        highlighted: out.querySelectorAll('pre code .hljs-keyword').length,
      };
    }, md);
  }

  it('does not run <img src=x onerror=…>, and shows it as text', async () => {
    const r = await show('look: <img src=x onerror="window.pwned=1"> done');
    assert.equal(r.pwned, 0);
    assert.deepEqual(r.eventAttrs, []);
    assert.ok(r.text.includes('<img src=x onerror="window.pwned=1">'), r.html);
  });

  it('does not run <script>, nor script smuggled through links, math or code', async () => {
    const attacks = [
      '<script>window.pwned=1</script>',
      '[click](javascript:window.pwned=1)',
      '<a href="javascript:window.pwned=1">x</a>',
      '$\\href{javascript:window.pwned=1}{x}$',
      '$$\\htmlId{x}{\\text{<img src=x onerror=window.pwned=1>}}$$',
      '```html\n<script>window.pwned=1</script>\n```',
      '<svg><script>window.pwned=1</script></svg>',
      '<iframe srcdoc="<script>parent.pwned=1</script>"></iframe>',
    ];
    for (const a of attacks) {
      const r = await show(a);
      assert.equal(r.pwned, 0, a);
      assert.equal(r.scripts, 0, a);
      assert.deepEqual(r.eventAttrs, [], a);
      assert.deepEqual(r.jsUrls, [], a);
    }
  });

  it('renders $…$ and $$…$$ with KaTeX', async () => {
    const r = await show('Euler: $e^{i\\pi} + 1 = 0$ and\n\n$$\\sum_{k=1}^n k = \\frac{n(n+1)}{2}$$');
    assert.equal(r.katex, 2);
    assert.equal(r.displayMath, 1);
  });

  it('highlights fenced code blocks', async () => {
    const r = await show('```python\ndef f(x):\n    return x\n```');
    assert.ok(r.highlighted >= 2, r.html);
  });

  it('renders a code block that is still streaming (fence not yet closed)', async () => {
    const r = await show('Here:\n```ts\nconst x = 1;');
    assert.ok(r.html.includes('<pre>'), r.html);
  });
});
