// The request's wall-clock budget (prefill included): when it runs out, the generation is aborted and ends with stop
// reason `time`, keeping what was generated. A timer, not a text rule: a long prefill streams no text to judge.
export class TimeBudget {
  private expired = false;
  private readonly timer?: ReturnType<typeof setTimeout>;

  /** `budgetMs` undefined or not positive: no budget */
  constructor(budgetMs: number | undefined, onExpire: () => void) {
    if (budgetMs && budgetMs > 0) {
      this.timer = setTimeout(() => {
        this.expired = true;
        onExpire();
      }, budgetMs);
    }
  }

  get ranOut(): boolean {
    return this.expired;
  }

  clear(): void {
    clearTimeout(this.timer);
  }
}
