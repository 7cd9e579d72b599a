// `logits --model DIR --tokens 5,17,3 [--decode] [--json]`: one full prefill (or, with --decode, the first token then
// one at a time) and the logits of every position with the routed experts each MoE layer selected.
import { parseArgs } from 'node:util';
import { loadModel } from '../runtime/load-model';
import { CliError } from './errors';
import { MODEL_OPTIONS, loadOptions, parseTokens, requireModel } from './model-options';

export async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      ...MODEL_OPTIONS,
      tokens: { type: 'string' },
      decode: { type: 'boolean' },
      weights: { type: 'boolean' },
    },
    strict: true,
  });
  if (!values.tokens) throw new CliError('--tokens IDS is required (comma-separated token ids)');
  const tokens = parseTokens(values.tokens);
  const model = await loadModel(requireModel(values), loadOptions(values));
  try {
    const r = await model.forward(tokens, { decode: values.decode === true });
    if (values.json) {
      const out: Record<string, unknown> = { logits: r.logits.map((row) => Array.from(row)), experts: r.experts };
      if (values.weights) out.expert_weights = r.expertWeights;
      process.stdout.write(`${JSON.stringify(out)}\n`);
    } else {
      r.logits.forEach((row, t) => {
        let best = 0;
        for (let i = 1; i < row.length; i++) if (row[i] > row[best]) best = i;
        const experts = r.experts.map((layer) => `[${layer[t].join(' ')}]`).join(' ');
        process.stdout.write(
          `position ${t} token ${tokens[t]}: argmax ${best} (${row[best].toFixed(4)})  experts ${experts}\n`,
        );
      });
    }
  } finally {
    await model.dispose();
  }
  return 0;
}
