// Prefix / suffix windows of a fill-in-the-middle request. The model sees a bounded slice of the file around the
// cursor; cutting at line boundaries keeps the first and last lines whole so the model never starts mid-token.

export interface FimWindow {
  prefix: string;
  suffix: string;
}

export interface WindowLimits {
  maxPrefixChars: number;
  maxSuffixChars: number;
}

export const DEFAULT_WINDOW_LIMITS: WindowLimits = { maxPrefixChars: 6000, maxSuffixChars: 2000 };

/** Slices `text` around `offset` (UTF-16 index of the cursor) into at most the given number of characters each side. */
export function fimWindow(text: string, offset: number, limits: WindowLimits = DEFAULT_WINDOW_LIMITS): FimWindow {
  const before = text.slice(0, offset);
  const after = text.slice(offset);
  let prefix = before;
  if (prefix.length > limits.maxPrefixChars) {
    prefix = prefix.slice(prefix.length - limits.maxPrefixChars);
    // Drop the partial first line unless that would leave nothing (one huge line).
    const nl = prefix.indexOf('\n');
    if (nl >= 0 && nl < prefix.length - 1) prefix = prefix.slice(nl + 1);
  }
  let suffix = after;
  if (suffix.length > limits.maxSuffixChars) {
    suffix = suffix.slice(0, limits.maxSuffixChars);
    const nl = suffix.lastIndexOf('\n');
    if (nl > 0) suffix = suffix.slice(0, nl + 1);
  }
  return { prefix, suffix };
}
