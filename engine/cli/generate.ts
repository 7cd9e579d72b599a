// `generate --model DIR (--prompt TEXT | --tokens IDS) --max-tokens N [--temperature T --seed S --top-k K --top-p P
// --stop S] [--json]`: streams the text (or token ids, for a model without tokenizer) as it is generated.
import { parseArgs } from 'node:util';
import { loadModel } from '../runtime/load-model';
import { noTokenizer } from '../checkpoint/tokenizer';
import { stopStringsRule } from '../service/stop/stop-strings';
import { CliError } from './errors';
import { MODEL_OPTIONS, loadOptions, number, parseTokens, positiveInt, requireModel } from './model-options';

export async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      ...MODEL_OPTIONS,
      prompt: { type: 'string' },
      tokens: { type: 'string' },
      'max-tokens': { type: 'string' },
      temperature: { type: 'string' },
      seed: { type: 'string' },
      'top-k': { type: 'string' },
      'top-p': { type: 'string' },
      stop: { type: 'string', multiple: true },
      'time-budget-ms': { type: 'string' },
    },
    strict: true,
  });
  if ((values.prompt === undefined) === (values.tokens === undefined))
    throw new CliError('give exactly one of --prompt TEXT or --tokens IDS');
  const maxTokens = values['max-tokens'] === undefined ? 64 : positiveInt(values['max-tokens'], '--max-tokens', 0);
  const model = await loadModel(requireModel(values), loadOptions(values));
  try {
    let prompt: number[];
    if (values.prompt !== undefined) {
      if (!model.tokenizer) throw new CliError(`${noTokenizer(model.info.path)}: use --tokens IDS`);
      prompt = model.tokenizer.encode(values.prompt, { addSpecialTokens: true });
      if (prompt.length === 0) throw new CliError('--prompt encodes to no tokens');
    } else prompt = parseTokens(values.tokens as string);
    const ctl = new AbortController();
    const onSigint = () => ctl.abort();
    process.once('SIGINT', onSigint);
    const streamText = !values.json && model.tokenizer !== undefined;
    const r = await model.generate(prompt, {
      maxTokens,
      temperature: values.temperature === undefined ? 0 : number(values.temperature, '--temperature'),
      seed: values.seed === undefined ? undefined : positiveInt(values.seed, '--seed', 0),
      topK: values['top-k'] === undefined ? undefined : positiveInt(values['top-k'], '--top-k', 0),
      topP: values['top-p'] === undefined ? undefined : number(values['top-p'], '--top-p'),
      stopRule: stopStringsRule(values.stop ?? []),
      timeBudgetMs:
        values['time-budget-ms'] === undefined ? undefined : number(values['time-budget-ms'], '--time-budget-ms'),
      signal: ctl.signal,
      onToken: (id, text) => {
        if (values.json) return;
        process.stdout.write(streamText ? text : `${id} `);
      },
    });
    process.off('SIGINT', onSigint);
    if (values.json) {
      const out = {
        tokens: r.tokens,
        text: r.text,
        prefill_tokens_per_s: r.stats.prefillTokensPerS,
        decode_tokens_per_s: r.stats.decodeTokensPerS,
        stop_reason: r.stopReason,
        time_to_first_token_ms: r.stats.timeToFirstTokenMs,
      };
      process.stdout.write(`${JSON.stringify(out)}\n`);
    } else {
      process.stdout.write('\n');
      process.stderr.write(
        `[${r.stats.generatedTokens} tokens, ${r.stopReason}; prefill ${r.stats.prefillTokensPerS.toFixed(1)} tok/s, decode ${r.stats.decodeTokensPerS.toFixed(1)} tok/s]\n`,
      );
    }
  } finally {
    await model.dispose();
  }
  return 0;
}
