// Feeds text to a stop rule one character at a time, as a stream would, and returns what the rule keeps and what it
// let through before it stopped. `monotone`: also check that the rule's own safe length never shrinks (rules that
// know their cut in advance guarantee it; the repetition guard only holds back a repeating tail, and the service's
// stream gate keeps whatever was shown).
import * as assert from 'node:assert/strict';
import type { TextStopRule } from '../../engine/service/stop/rule';

export function streamThroughRule(
  rule: TextStopRule,
  text: string,
  { monotone = true } = {},
): { kept: string; reason?: string; shownBeforeStop: string } {
  let shown = 0;
  for (let i = 1; i <= text.length; i++) {
    const sofar = text.slice(0, i);
    const d = rule.check(sofar);
    if (d) return { kept: sofar.slice(0, d.keep), reason: d.reason, shownBeforeStop: sofar.slice(0, shown) };
    const safe = rule.safeLength(sofar);
    if (monotone) assert.ok(safe >= shown, 'shown text is never retracted');
    shown = Math.max(shown, safe);
  }
  const d = rule.final?.(text);
  return { kept: d ? text.slice(0, d.keep) : text, reason: d?.reason, shownBeforeStop: text.slice(0, shown) };
}
