// At most `maxLines` lines: the completion ends at the newline that would start one more.
import { cutBefore, wholeLinesLength, type TextStopRule } from './rule';

export function lineLimitRule(maxLines: number | undefined): TextStopRule {
  const limit = maxLines && maxLines > 0 ? maxLines : Infinity;
  const decide = (text: string) => {
    let at = -1;
    for (let n = 0; n < limit; n++) {
      at = text.indexOf('\n', at + 1);
      if (at < 0) return undefined;
    }
    return cutBefore(text, at, 'lines');
  };
  return {
    check: decide,
    // a line limit never cuts inside a line, but blank lines before the cut are dropped with it
    safeLength: (text) => (limit === Infinity ? text.length : wholeLinesLength(text)),
  };
}
