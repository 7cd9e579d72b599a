// One reply at a time, without dropping a message. A message sent while a reply is still being written is refused
// (the webview keeps it in the input); one sent after Stop or New Chat waits for the stopped reply to settle (the
// supervisor settles a cancelled request within its grace) and then goes. No VS Code API, so it is tested in Node.

export interface ReplySlot {
  /** the user pressed Stop (or New Chat) */
  readonly cancelled: boolean;
  /** the reply ended: the next message may go */
  release(): void;
}

interface Running {
  slot: ReplySlot;
  cancel: () => void;
  done: Promise<void>;
}

export class ReplyGate {
  private running: Running | undefined;

  get busy(): boolean {
    return this.running !== undefined;
  }

  /** The slot for a new reply, or undefined while another reply is running and was not stopped. */
  async enter(cancel: () => void): Promise<ReplySlot | undefined> {
    while (this.running) {
      if (!this.running.slot.cancelled) return undefined;
      await this.running.done;
    }
    let release!: () => void;
    const done = new Promise<void>((resolve) => (release = resolve));
    const state = { cancelled: false };
    const running: Running = {
      cancel: () => {
        state.cancelled = true;
        cancel();
      },
      done,
      slot: {
        get cancelled() {
          return state.cancelled;
        },
        release: () => {
          if (this.running === running) this.running = undefined;
          release();
        },
      },
    };
    this.running = running;
    return running.slot;
  }

  /** Stop: cancels the running reply; the next message waits for it to settle rather than being dropped. */
  stop(): void {
    this.running?.cancel();
  }
}
