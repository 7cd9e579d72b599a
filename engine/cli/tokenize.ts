// `tokenize --model DIR --text T [--special] [--pieces] [--json]`: the ids the model's tokenizer gives a text, as
// llama.cpp's /tokenize does. Special-token text in T (`<|fim_prefix|>`) is read as those tokens; --special also adds
// the tokens the tokenizer puts around a sequence (BOS). --pieces adds each token's text.
import { parseArgs } from 'node:util';
import { CliError } from './errors';
import { requireTokenizer } from './model-options';

export async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { model: { type: 'string' }, text: { type: 'string' }, special: { type: 'boolean' }, pieces: { type: 'boolean' }, json: { type: 'boolean' } },
    strict: true,
  });
  if (values.text === undefined) throw new CliError('--text T is required');
  const tokenizer = requireTokenizer(values);
  const ids = tokenizer.encode(values.text, { addSpecialTokens: values.special === true });
  const tokens = values.pieces ? ids.map((id) => ({ id, piece: tokenizer.decode([id]) })) : ids;
  process.stdout.write(values.json ? `${JSON.stringify({ tokens })}\n` : `${ids.join(' ')}\n`);
  return 0;
}
