// A fake at the runtime boundary: a LoadedModel whose generate() streams a scripted reply piece by piece (one
// "token" per piece), honouring maxTokens, stop strings, shouldStop, the time budget and the abort signal the way
// the runtime contract (engine/runtime/api.ts) says. It lets the service's stop rules and streaming be tested on
// known text; tests on the real runtime use the fixture checkpoints.
import type { GenerateOptions, GenerateResult, LoadedModel, Tokenizer } from '../../engine/runtime/api';
import type { ModelInfo } from '../../engine/protocol';

export class ScriptedModel implements LoadedModel {
  readonly info: ModelInfo;
  readonly prompts: string[] = [];
  readonly tokenizer: Tokenizer;
  disposed = false;

  constructor(
    private readonly reply: string[],
    private readonly opts: {
      delayMs?: number;
      specials?: string[];
      /** the chat template its tokenizer carries, as a GGUF file's tokenizer does (no folder to read it from) */
      chatTemplate?: string;
    } = {},
  ) {
    const specials = opts.specials ?? [
      '<|fim_prefix|>',
      '<|fim_suffix|>',
      '<|fim_middle|>',
      '<|endoftext|>',
      '<|im_start|>',
      '<|im_end|>',
    ];
    this.info = {
      path: '/nonexistent/scripted',
      name: 'scripted',
      modelType: 'scripted',
      vocabSize: 0x10000 + specials.length,
      layers: 1,
      moeLayers: 0,
      routedExperts: 0,
      activeExperts: 0,
      parameters: 0,
      precision: 'f32',
      hasTokenizer: true,
      // what the loader reports for a vocabulary with these specials (Qwen's FIM tokens, no file separator)
      fim: specials.includes('<|fim_prefix|>')
        ? { name: 'qwen', prefix: '<|fim_prefix|>', suffix: '<|fim_suffix|>', middle: '<|fim_middle|>', order: 'psm' }
        : undefined,
      hasChatTemplate: false,
      hasRoutingProfile: false,
      backend: 'local',
    };
    // one id per UTF-16 unit, specials above: enough to record and decode prompts exactly
    this.tokenizer = {
      encode: (text) => {
        const ids: number[] = [];
        for (let i = 0; i < text.length;) {
          const s = specials.findIndex((t) => text.startsWith(t, i));
          if (s >= 0) {
            ids.push(0x10000 + s);
            i += specials[s].length;
          } else ids.push(text.charCodeAt(i++));
        }
        return ids;
      },
      decode: (ids) => ids.map((id) => (id >= 0x10000 ? specials[id - 0x10000] : String.fromCharCode(id))).join(''),
      tokenToId: (t) => (specials.includes(t) ? 0x10000 + specials.indexOf(t) : undefined),
      eosIds: [0x10000 + 3],
      vocabSize: 0x10000 + specials.length,
      chat: opts.chatTemplate === undefined ? undefined : { chatTemplate: opts.chatTemplate },
    };
  }

  forward(): never {
    throw new Error('ScriptedModel has no logits');
  }

  async generate(prompt: number[], opts: GenerateOptions): Promise<GenerateResult> {
    this.prompts.push(this.tokenizer.decode(prompt));
    const started = performance.now();
    let text = '';
    let n = 0;
    let stopReason: GenerateResult['stopReason'] = 'length';
    for (const piece of this.reply) {
      if (n >= opts.maxTokens) break;
      if (opts.signal?.aborted) {
        stopReason = 'cancelled';
        break;
      }
      if (opts.timeBudgetMs !== undefined && performance.now() - started > opts.timeBudgetMs) {
        stopReason = 'time';
        break;
      }
      if (this.opts.delayMs) await new Promise((r) => setTimeout(r, this.opts.delayMs));
      n++;
      const before = text.length;
      text += piece;
      const keep = opts.shouldStop?.(text);
      if (keep !== undefined) {
        text = text.slice(0, keep);
        if (text.length > before) opts.onToken?.(n, text.slice(before));
        stopReason = 'stop';
        break;
      }
      opts.onToken?.(n, piece);
    }
    if (n === this.reply.length && stopReason === 'length' && n < opts.maxTokens) stopReason = 'eos';
    return {
      tokens: [],
      text,
      stopReason,
      stats: {
        promptTokens: prompt.length,
        reusedTokens: 0,
        generatedTokens: n,
        prefillTokensPerS: 0,
        decodeTokensPerS: 0,
        timeToFirstTokenMs: 0,
      },
    };
  }

  residentExpertBytes(): number {
    return 0;
  }

  memoryBudgetBytes(): number {
    return 0;
  }

  async dispose(): Promise<void> {
    this.disposed = true;
  }
}
