// `detokenize --model DIR|FILE.gguf --tokens 5,17,3 [--json]`: the text of token ids, as llama.cpp's /detokenize does
// (`{"content": …}`); ids outside the vocabulary are an error naming them.
import { parseArgs } from 'node:util';
import { unknownTokenIds } from '../checkpoint/token-text';
import { CliError } from './errors';
import { parseTokens, requireTokenizer } from './model-options';

export async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { model: { type: 'string' }, tokens: { type: 'string' }, json: { type: 'boolean' } },
    strict: true,
  });
  if (values.tokens === undefined) throw new CliError('--tokens IDS is required (comma-separated token ids)');
  const ids = parseTokens(values.tokens);
  const tokenizer = await requireTokenizer(values);
  const unknown = unknownTokenIds(tokenizer, ids);
  if (unknown.length)
    throw new CliError(`token ids outside the vocabulary of ${tokenizer.vocabSize}: ${unknown.join(', ')}`);
  const content = tokenizer.decode(ids);
  process.stdout.write(values.json ? `${JSON.stringify({ content })}\n` : `${content}\n`);
  return 0;
}
