// Bundled for the renderer test: the chat webview's real renderer, exposed on window.
import DOMPurify from 'dompurify';
import { createRenderer } from '../../../src/chat/webview/render';

(window as unknown as { renderMarkdown: (md: string) => string }).renderMarkdown = createRenderer(DOMPurify);
