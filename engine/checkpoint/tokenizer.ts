// tokenizer.json (+ tokenizer_config.json, generation_config.json) through @huggingface/tokenizers, with the special
// tokens the engine needs: BOS, the EOS set, and the fill-in-the-middle spelling of the model family.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Tokenizer as HfTokenizer } from '@huggingface/tokenizers';
import { EngineError } from '../errors';
import type { FimFormat } from '../protocol';
import { detectFimFormat } from './fim-formats';
import { EngineErrorCodes } from '../protocol';
import type { Tokenizer } from '../runtime/api';
import type { ModelConfig } from './config';

function readJson(path: string): Record<string, unknown> | undefined {
  if (!existsSync(path)) return undefined;
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  } catch (e) {
    throw new EngineError(`${path}: not valid JSON (${(e as Error).message})`, EngineErrorCodes.BadCheckpoint);
  }
}

/** A special token's text from tokenizer_config.json (a string or an AddedToken object). */
function tokenText(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (v && typeof v === 'object' && typeof (v as { content?: unknown }).content === 'string') return (v as { content: string }).content;
  return undefined;
}

/**
 * Every id the file assigns must be a token of the model (0 <= id < vocab_size): the library sizes its tables by the
 * largest id, so one id of 2^31 in a crafted file would stall the engine for a minute before any error.
 */
function checkTokenIds(path: string, json: Record<string, unknown>, vocabSize: number): void {
  const check = (id: unknown, where: string) => {
    if (typeof id !== 'number' || !Number.isInteger(id) || id < 0 || id >= vocabSize) {
      throw new EngineError(`${path}: ${where} has id ${String(JSON.stringify(id)).slice(0, 40)}, not a token id below config.json vocab_size ${vocabSize}`, EngineErrorCodes.BadCheckpoint);
    }
  };
  const added = json.added_tokens;
  if (added !== undefined && added !== null) {
    if (!Array.isArray(added)) throw new EngineError(`${path}: 'added_tokens' is not a list`, EngineErrorCodes.BadCheckpoint);
    for (const t of added) check((t as { id?: unknown } | null)?.id, 'an added token');
  }
  const vocab = (json.model as { vocab?: unknown } | null | undefined)?.vocab;
  if (vocab && typeof vocab === 'object' && !Array.isArray(vocab)) for (const id of Object.values(vocab)) check(id, "'model.vocab'");
}

export class CheckpointTokenizer implements Tokenizer {
  readonly bosId?: number;
  readonly eosIds: number[];
  readonly vocabSize: number;
  readonly fim?: FimFormat;
  readonly hasChatTemplate: boolean;
  readonly chatTemplate?: string;

  private constructor(
    private readonly tok: HfTokenizer,
    /** tokenizer.json, named in errors: a file that loads can still fail on some text */
    private readonly path: string,
    cfg: ModelConfig,
    tokConfig: Record<string, unknown>,
    genConfig: Record<string, unknown> | undefined,
  ) {
    this.vocabSize = tok.get_vocab(true).size;
    const bosText = tokenText(tokConfig.bos_token);
    this.bosId = (bosText !== undefined ? tok.token_to_id(bosText) : undefined) ?? cfg.bos_token_id;
    const eos = new Set<number>(cfg.eos_token_ids);
    const genEos = genConfig?.eos_token_id;
    for (const id of Array.isArray(genEos) ? genEos : genEos === undefined ? [] : [genEos]) if (typeof id === 'number') eos.add(id);
    const eosText = tokenText(tokConfig.eos_token);
    const eosId = eosText !== undefined ? tok.token_to_id(eosText) : undefined;
    if (eosId !== undefined) eos.add(eosId);
    this.eosIds = [...eos];
    this.fim = detectFimFormat((token) => tok.token_to_id(token) ?? undefined);
    this.chatTemplate = typeof tokConfig.chat_template === 'string' ? tokConfig.chat_template : undefined;
    this.hasChatTemplate = this.chatTemplate !== undefined;
  }

  /** Loads the folder's tokenizer, or returns undefined when it has no tokenizer.json. */
  static load(dir: string, cfg: ModelConfig): CheckpointTokenizer | undefined {
    const path = join(dir, 'tokenizer.json');
    const json = readJson(path);
    if (!json) return undefined;
    checkTokenIds(path, json, cfg.vocab_size);
    const tokConfig = readJson(join(dir, 'tokenizer_config.json')) ?? {};
    let tok: HfTokenizer;
    try {
      tok = new HfTokenizer(json, tokConfig);
    } catch (e) {
      throw new EngineError(`${path}: cannot be loaded (${String((e as Error).message).slice(0, 200)})`, EngineErrorCodes.BadCheckpoint);
    }
    const t = new CheckpointTokenizer(tok, path, cfg, tokConfig, readJson(join(dir, 'generation_config.json')));
    if (t.vocabSize > cfg.vocab_size) {
      throw new EngineError(
        `${path}: has ${t.vocabSize} tokens but config.json vocab_size is ${cfg.vocab_size}`,
        EngineErrorCodes.BadCheckpoint,
      );
    }
    return t;
  }

  encode(text: string, opts: { addSpecialTokens?: boolean } = {}): number[] {
    return this.guard('encode', () => this.tok.encode(text, { add_special_tokens: opts.addSpecialTokens ?? false }).ids);
  }

  decode(ids: number[]): string {
    // the library refuses an empty list; nothing decodes to nothing
    if (ids.length === 0) return '';
    return this.guard('decode', () => this.tok.decode(ids, { skip_special_tokens: false }));
  }

  /** A failure inside the tokenizer library is the file's fault (it loaded but is inconsistent): say which file. */
  private guard<T>(what: string, run: () => T): T {
    try {
      return run();
    } catch (e) {
      if (e instanceof EngineError) throw e;
      throw new EngineError(`${this.path}: cannot ${what} (${String((e as Error)?.message ?? e).slice(0, 200)})`, EngineErrorCodes.BadCheckpoint);
    }
  }

  tokenToId(token: string): number | undefined {
    return this.tok.token_to_id(token);
  }
}
