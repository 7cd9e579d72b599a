// `tokenize --model DIR|FILE.gguf --text T [--special] [--pieces] [--json]`: the ids the model's tokenizer gives a text, as
// llama.cpp's /tokenize does. Special-token text in T (`<|fim_prefix|>`) is read as those tokens; --special also adds
// the tokens the tokenizer puts around a sequence (BOS). --pieces adds each token's text.
import { parseArgs } from 'node:util';
import { tokenize } from '../checkpoint/token-text';
import { CliError } from './errors';
import { requireTokenizer } from './model-options';

export async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      model: { type: 'string' },
      text: { type: 'string' },
      special: { type: 'boolean' },
      pieces: { type: 'boolean' },
      json: { type: 'boolean' },
    },
    strict: true,
  });
  if (values.text === undefined) throw new CliError('--text T is required');
  const tokenizer = await requireTokenizer(values);
  const tokens = tokenize(tokenizer, values.text, { special: values.special, pieces: values.pieces });
  process.stdout.write(
    values.json
      ? `${JSON.stringify({ tokens })}\n`
      : `${tokens.map((t) => (typeof t === 'number' ? t : t.id)).join(' ')}\n`,
  );
  return 0;
}
