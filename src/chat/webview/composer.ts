// The chat input's rule: what the user typed stays in the box until the extension host says it took the message.
// (It used to be cleared on Send, so a message the host could not take, right after Stop or New Chat, was lost.)
// No DOM here, so the rule is unit-tested in Node.

export class Composer {
  private nextId = 1;
  private pending: { id: number; text: string } | undefined;

  /** The message to post for `text`, or undefined when there is nothing to send or a send awaits its answer. */
  submit(text: string): { id: number; text: string } | undefined {
    const t = text.trim();
    if (!t || this.pending) return undefined;
    this.pending = { id: this.nextId++, text: t };
    return this.pending;
  }

  /** The host took message `id`: the input's new value (cleared, unless the user has typed something else since). */
  accepted(id: number, inputValue: string): string {
    if (this.pending?.id !== id) return inputValue;
    const sent = this.pending.text;
    this.pending = undefined;
    return inputValue.trim() === sent ? '' : inputValue;
  }

  /** The host could not take it: the text stays where it is. */
  refused(id: number): void {
    if (this.pending?.id === id) this.pending = undefined;
  }

  get waiting(): boolean {
    return this.pending !== undefined;
  }
}
