// Which routing-skew profile a completion asks for, from the language of the file (DESIGN: completion in a programming
// language -> code; LaTeX -> math; Markdown may be either, so the engine classifies its text).
import type { Domain } from '../../engine/protocol';

const MATH_LANGUAGES = new Set(['latex', 'tex', 'bibtex', 'context']);
const CLASSIFIED_LANGUAGES = new Set(['markdown', 'plaintext', 'restructuredtext', 'asciidoc']);

export function completionDomain(languageId: string): Domain {
  if (MATH_LANGUAGES.has(languageId)) return 'math';
  if (CLASSIFIED_LANGUAGES.has(languageId)) return 'auto';
  return 'code';
}
