// Model output -> safe HTML: Markdown (markdown-it, raw HTML off), code highlighted (highlight.js), math typeset
// (KaTeX via VS Code's own markdown-it plugin), and the result sanitised (DOMPurify) before it touches the DOM.
// The model's text is untrusted: nothing it writes may run, load, or navigate.
import markdownItKatex from '@vscode/markdown-it-katex';
import type { DOMPurify as Purifier } from 'dompurify';
import hljs from 'highlight.js/lib/common';
import MarkdownIt from 'markdown-it';

export function createRenderer(purify: Purifier): (markdown: string) => string {
  const md = new MarkdownIt({
    html: false, // raw HTML in the reply is shown as text, not parsed
    linkify: true,
    breaks: false,
    highlight: (code, lang) => {
      const language = lang && hljs.getLanguage(lang) ? lang : undefined;
      try {
        return language
          ? hljs.highlight(code, { language, ignoreIllegals: true }).value
          : hljs.highlightAuto(code).value;
      } catch {
        return '';
      }
    },
  });
  md.use(markdownItKatex, { throwOnError: false, enableFencedBlocks: true });
  // Links open through VS Code (it asks before leaving), never inside the webview.
  md.validateLink = (url) => /^(https?:|mailto:)/i.test(url.trim());

  return (markdown: string) =>
    purify.sanitize(md.render(closeOpenFence(markdown)), {
      USE_PROFILES: { html: true, mathMl: true, svg: true },
      FORBID_TAGS: ['style', 'form', 'input', 'button', 'textarea', 'iframe', 'object', 'embed'],
      FORBID_ATTR: ['srcset', 'action', 'formaction'],
      ALLOW_DATA_ATTR: false,
    });
}

/** While streaming, an unterminated ``` fence would swallow the rest; close it so partial code renders as code. */
export function closeOpenFence(markdown: string): string {
  const fences = markdown.match(/^\s{0,3}(`{3,}|~{3,})/gm) ?? [];
  return fences.length % 2 === 1 ? `${markdown}\n${fences[fences.length - 1].trim()}` : markdown;
}
