// tokenizer.json (+ tokenizer_config.json, generation_config.json) through @huggingface/tokenizers, with the special
// tokens the engine needs: BOS, the EOS set, and the fill-in-the-middle spelling of the model family.
import { join } from 'node:path';
import { Tokenizer as HfTokenizer } from '@huggingface/tokenizers';
import { EngineError } from '../errors';
import type { FimFormat } from '../protocol';
import { detectFimFormat } from './fim-formats';
import { EngineErrorCodes } from '../protocol';
import type { Tokenizer } from '../runtime/api';
import type { ModelConfig } from './config';
import { readJsonFile } from './json-file';
import { type TokenizerConfig, readTokenizerConfig } from './tokenizer-config';

/**
 * Every id the file assigns must be a token of the model (0 <= id < vocab_size): the library sizes its tables by the
 * largest id, so one id of 2^31 in a crafted file would stall the engine for a minute before any error.
 */
function checkTokenIds(path: string, json: Record<string, unknown>, vocabSize: number): void {
  const check = (id: unknown, where: string) => {
    if (typeof id !== 'number' || !Number.isInteger(id) || id < 0 || id >= vocabSize) {
      throw new EngineError(
        `${path}: ${where} has id ${String(JSON.stringify(id)).slice(0, 40)}, not a token id below config.json vocab_size ${vocabSize}`,
        EngineErrorCodes.BadCheckpoint,
      );
    }
  };
  const added = json.added_tokens;
  if (added !== undefined && added !== null) {
    if (!Array.isArray(added))
      throw new EngineError(`${path}: 'added_tokens' is not a list`, EngineErrorCodes.BadCheckpoint);
    for (const t of added) check((t as { id?: unknown } | null)?.id, 'an added token');
  }
  const vocab = (json.model as { vocab?: unknown } | null | undefined)?.vocab;
  if (vocab && typeof vocab === 'object' && !Array.isArray(vocab))
    for (const id of Object.values(vocab)) check(id, "'model.vocab'");
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
    tokConfig: TokenizerConfig,
    genConfig: Record<string, unknown> | undefined,
  ) {
    this.vocabSize = tok.get_vocab(true).size;
    const bosText = tokConfig.bosToken;
    this.bosId = (bosText !== undefined ? tok.token_to_id(bosText) : undefined) ?? cfg.bos_token_id;
    const eos = new Set<number>(cfg.eos_token_ids);
    const genEos = genConfig?.eos_token_id;
    for (const id of Array.isArray(genEos) ? genEos : genEos === undefined ? [] : [genEos])
      if (typeof id === 'number') eos.add(id);
    const eosText = tokConfig.eosToken;
    const eosId = eosText !== undefined ? tok.token_to_id(eosText) : undefined;
    if (eosId !== undefined) eos.add(eosId);
    this.eosIds = [...eos];
    this.fim = detectFimFormat((token) => tok.token_to_id(token) ?? undefined);
    this.chatTemplate = tokConfig.chatTemplate;
    this.hasChatTemplate = this.chatTemplate !== undefined;
  }

  /** Loads the folder's tokenizer, or returns undefined when it has no tokenizer.json. */
  static load(dir: string, cfg: ModelConfig): CheckpointTokenizer | undefined {
    const path = join(dir, 'tokenizer.json');
    const json = readJsonFile(path);
    if (!json) return undefined;
    checkTokenIds(path, json, cfg.vocab_size);
    const tokConfig = readTokenizerConfig(dir);
    let tok: HfTokenizer;
    try {
      tok = new HfTokenizer(json, tokConfig.json);
    } catch (e) {
      throw new EngineError(
        `${path}: cannot be loaded (${String((e as Error).message).slice(0, 200)})`,
        EngineErrorCodes.BadCheckpoint,
      );
    }
    const t = new CheckpointTokenizer(tok, path, cfg, tokConfig, readJsonFile(join(dir, 'generation_config.json')));
    if (t.vocabSize > cfg.vocab_size) {
      throw new EngineError(
        `${path}: has ${t.vocabSize} tokens but config.json vocab_size is ${cfg.vocab_size}`,
        EngineErrorCodes.BadCheckpoint,
      );
    }
    return t;
  }

  encode(text: string, opts: { addSpecialTokens?: boolean } = {}): number[] {
    return this.guard(
      'encode',
      () => this.tok.encode(text, { add_special_tokens: opts.addSpecialTokens ?? false }).ids,
    );
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
      throw new EngineError(
        `${this.path}: cannot ${what} (${String((e as Error)?.message ?? e).slice(0, 200)})`,
        EngineErrorCodes.BadCheckpoint,
      );
    }
  }

  tokenToId(token: string): number | undefined {
    return this.tok.token_to_id(token);
  }
}
