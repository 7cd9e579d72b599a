// tokenizer.json (+ tokenizer_config.json, generation_config.json) through @huggingface/tokenizers, with the special
// tokens the engine needs: BOS, the EOS set, and the fill-in-the-middle spelling of the model family. A GGUF file's
// tokenizer metadata becomes the same two files first (gguf-tokenizer.ts), so one library object tokenizes both.
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { Tokenizer as HfTokenizer } from '@huggingface/tokenizers';
import { EngineError } from '../errors';
import type { FimFormat } from '../protocol';
import { detectFimFormat } from './fim-formats';
import { EngineErrorCodes } from '../protocol';
import type { Tokenizer } from '../runtime/api';
import type { ModelConfig } from './config';
import type { GgufValue } from './gguf';
import { ggufTokenizerFiles } from './gguf-tokenizer';
import { readJsonFile } from './json-file';
import { type TokenizerConfig, readTokenizerConfig } from './tokenizer-config';

/**
 * Every id the file assigns must be a token of the model (0 <= id < vocab_size): the library sizes its tables by the
 * largest id, so one id of 2^31 in a crafted file would stall the engine for a minute before any error.
 */
function checkTokenIds(path: string, json: Record<string, unknown>, vocabSize: number, vocabKey: string): void {
  const check = (id: unknown, where: string) => {
    if (typeof id !== 'number' || !Number.isInteger(id) || id < 0 || id >= vocabSize) {
      throw new EngineError(
        `${path}: ${where} has id ${String(JSON.stringify(id)).slice(0, 40)}, not a token id below ${vocabKey} ${vocabSize}`,
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

/** Why a model has no tokenizer, in its format's terms: errors say this, then what needed one. */
export function noTokenizer(path: string): string {
  return statSync(path, { throwIfNoEntry: false })?.isFile()
    ? `${path} has no tokenizer the engine reads (a GGUF file needs byte-level BPE tokenizer.ggml.* metadata)`
    : `${path} has no tokenizer.json`;
}

export class CheckpointTokenizer implements Tokenizer {
  readonly bosId?: number;
  readonly eosIds: number[];
  readonly vocabSize: number;
  readonly fim?: FimFormat;
  readonly hasChatTemplate: boolean;
  readonly chatTemplate?: string;
  /** what the chat formatter needs: the template and the special tokens' text it writes */
  readonly chat: Pick<TokenizerConfig, 'chatTemplate' | 'bosToken' | 'eosToken'>;

  private constructor(
    private readonly tok: HfTokenizer,
    /** tokenizer.json (or the GGUF file), named in errors: a file that loads can still fail on some text */
    private readonly path: string,
    cfg: ModelConfig,
    tokConfig: TokenizerConfig,
    /** end-of-generation ids the checkpoint names besides EOS (generation_config.json, GGUF's end of turn) */
    endIds: number[],
  ) {
    this.vocabSize = tok.get_vocab(true).size;
    const bosText = tokConfig.bosToken;
    this.bosId = (bosText !== undefined ? tok.token_to_id(bosText) : undefined) ?? cfg.bos_token_id;
    const eos = new Set<number>([...cfg.eos_token_ids, ...endIds]);
    const eosText = tokConfig.eosToken;
    const eosId = eosText !== undefined ? tok.token_to_id(eosText) : undefined;
    if (eosId !== undefined) eos.add(eosId);
    this.eosIds = [...eos];
    this.fim = detectFimFormat((token) => tok.token_to_id(token) ?? undefined);
    this.chatTemplate = tokConfig.chatTemplate;
    this.hasChatTemplate = this.chatTemplate !== undefined;
    this.chat = { chatTemplate: tokConfig.chatTemplate, bosToken: tokConfig.bosToken, eosToken: tokConfig.eosToken };
  }

  /** Loads the folder's tokenizer, or returns undefined when it has no tokenizer.json. */
  static load(dir: string, cfg: ModelConfig): CheckpointTokenizer | undefined {
    const path = join(dir, 'tokenizer.json');
    const json = readJsonFile(path);
    if (!json) return undefined;
    const genEos = readJsonFile(join(dir, 'generation_config.json'))?.eos_token_id;
    const endIds = (Array.isArray(genEos) ? genEos : [genEos]).filter((id): id is number => typeof id === 'number');
    return CheckpointTokenizer.build(path, json, readTokenizerConfig(dir), endIds, cfg, 'config.json vocab_size');
  }

  /**
   * A GGUF file's tokenizer (its tokenizer.ggml.* metadata), or undefined when the file carries none; a kind of
   * vocabulary the engine does not read is an error naming it (see readsGgufTokenizer).
   */
  static fromGguf(
    file: string,
    metadata: Record<string, GgufValue>,
    cfg: ModelConfig,
  ): CheckpointTokenizer | undefined {
    if (metadata['tokenizer.ggml.tokens'] === undefined) return undefined;
    const { json, config, endIds } = ggufTokenizerFiles(file, metadata);
    return CheckpointTokenizer.build(file, json, config, endIds, cfg, "metadata 'deepseek2.vocab_size'");
  }

  /** tokenizer.json's content and tokenizer_config.json's, from `path`, checked against the model. */
  private static build(
    path: string,
    json: Record<string, unknown>,
    tokConfig: TokenizerConfig,
    endIds: number[],
    cfg: ModelConfig,
    /** where vocab_size comes from, for errors */
    vocabKey: string,
  ): CheckpointTokenizer {
    checkTokenIds(path, json, cfg.vocab_size, vocabKey);
    let tok: HfTokenizer;
    try {
      tok = new HfTokenizer(json, tokConfig.json);
    } catch (e) {
      throw new EngineError(
        `${path}: cannot be loaded (${String((e as Error).message).slice(0, 200)})`,
        EngineErrorCodes.BadCheckpoint,
      );
    }
    const t = new CheckpointTokenizer(tok, path, cfg, tokConfig, endIds);
    if (t.vocabSize > cfg.vocab_size) {
      throw new EngineError(
        `${path}: has ${t.vocabSize} tokens but ${vocabKey} is ${cfg.vocab_size}`,
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
