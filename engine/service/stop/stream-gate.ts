// Between a backend's stream and the client: text is released only once no rule of the stop pipeline can cut it any
// more, a decision aborts the generation, and the final text is the pipeline's verdict on what was kept.
import type { GenerationStats } from '../../protocol';
import { emptyStats } from '../backend';
import type { StopPipeline } from './pipeline';
import type { StopDecision } from './rule';

export class StreamGate {
  private text = '';
  private emitted = 0;
  private pieces = 0;
  private firstPieceMs?: number;
  decision?: StopDecision;
  onDecision?: () => void;

  constructor(
    private readonly rule: StopPipeline,
    private readonly onDelta?: (text: string) => void,
  ) {}

  push(piece: string, started: number): void {
    if (!piece) return;
    this.pieces++;
    this.firstPieceMs ??= performance.now() - started;
    if (this.decision) {
      // decided through shouldStop on the runtime's text: the runtime still sends what is kept
      if (this.text.length < this.decision.keep) {
        this.text += piece;
        this.release(Math.min(this.decision.keep, this.text.length));
      }
      return;
    }
    this.text += piece;
    const decision = this.rule.check(this.text);
    if (decision) {
      this.decision = this.neverRetracting(decision);
      this.release(decision.keep);
      this.onDecision?.();
    } else this.release(this.rule.safeLength(this.text));
  }

  /** The local runtime's hook: decides on its own view of the text, within the token that made the rule fire. */
  shouldStop(textSoFar: string): number | undefined {
    const decision = this.decision ?? this.rule.check(textSoFar);
    if (!decision) return undefined;
    this.decision ??= this.neverRetracting(decision);
    return this.decision.keep;
  }

  /**
   * The final text: the rule's cut, else the backend's own text (it may join partial UTF-8 better); then the whole
   * pipeline once more on what is kept, and its tidying.
   */
  finish(backendText: string | undefined): string {
    let text = this.decision ? this.text.slice(0, this.decision.keep) : (backendText ?? this.text);
    const late = this.rule.final(text);
    if (late) {
      const cut = this.neverRetracting(late);
      this.decision ??= cut;
      text = text.slice(0, cut.keep);
    }
    text = this.rule.tidy(text);
    if (text.length > this.emitted && text.startsWith(this.text.slice(0, this.emitted))) {
      this.onDelta?.(text.slice(this.emitted));
      this.emitted = text.length;
    }
    return text;
  }

  fallbackStats(elapsedMs: number): GenerationStats {
    const stats = emptyStats();
    stats.generatedTokens = this.pieces;
    stats.timeToFirstTokenMs = this.firstPieceMs ?? 0;
    const decodeMs = elapsedMs - (this.firstPieceMs ?? elapsedMs);
    stats.decodeTokensPerS = decodeMs > 0 && this.pieces > 1 ? ((this.pieces - 1) * 1000) / decodeMs : 0;
    return stats;
  }

  /** A cut inside text already streamed moves to its end: the client shows deltas as they come and keeps them. */
  private neverRetracting(decision: StopDecision): StopDecision {
    return this.onDelta && decision.keep < this.emitted ? { ...decision, keep: this.emitted } : decision;
  }

  private release(upTo: number): void {
    if (upTo > this.emitted) {
      this.onDelta?.(this.text.slice(this.emitted, upTo));
      this.emitted = upTo;
    }
  }
}
