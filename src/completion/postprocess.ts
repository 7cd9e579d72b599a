// What the editor shows of a suggestion is the engine's text (its stop pipeline, engine/service/stop/, has already cut
// it at the block's end, the line limit, the code after the cursor, …). The client trims only what it alone knows:
// what the user has typed since the suggestion was made.

/**
 * The rest of `suggestion` once the user has typed `typed` after the place it was made for: undefined when the typing
 * went another way, or used the suggestion up.
 */
export function afterTyping(suggestion: string, typed: string): string | undefined {
  return suggestion.length > typed.length && suggestion.startsWith(typed) ? suggestion.slice(typed.length) : undefined;
}
