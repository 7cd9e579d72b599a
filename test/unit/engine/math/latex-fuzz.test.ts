// Fuzzing Check Proof's engine-side checker (engine/math/check.ts) with 10,000 random LaTeX / Markdown / plain
// documents: no crash, no hang (each call within a bound), one well-formed result each. The loop runs in a child
// process, so a call that never returns is killed and reported with its input. Seeded, seed 1 unless FUZZ_SEED=<n> asks
// for another: a run repeats exactly.
// Measured on the 2-core shared machine: 10,000 documents in 24-30 s (seeds 7, 8 and random ones); the slowest single
// document ~1.2 s (the SMT solver within the 2 s budget). Steps past the work a step may use come back 'work-limit'.
import assert from 'node:assert/strict';
import { fork } from 'node:child_process';
import { join } from 'node:path';

const COUNT = Number(process.env.FUZZ_COUNT ?? 10_000);
const SEED = Number(process.env.FUZZ_SEED ?? 1);
/** the CI run whose child died at document 5055 (Z3's heap corrupted by finalizers releasing objects mid-check) */
const CI_SEED = 1624224897;
/** the checker's own time budget per document, and the bound past which a call counts as hung */
const BUDGET_MS = 2000;
const HANG_MS = 10_000;

interface Failure {
  i: number;
  text: string;
  languageId: string;
  problem: string;
}

/** Checks documents `from` … `count - 1` of the seed's sequence (the ones before are generated, not checked). */
function runFuzz(
  seed: number,
  count: number,
  from = 0,
): Promise<{ failures: Failure[]; hung?: Failure; checked: number }> {
  return new Promise((resolve, reject) => {
    const child = fork(
      join(__dirname, '../../../helpers/latex-fuzz-child.ts'),
      [String(seed), String(count), String(BUDGET_MS), String(from)],
      {
        execArgv: ['--import', 'tsx'],
        stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      },
    );
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
    const failures: Failure[] = [];
    let current: { i: number; text: string; languageId: string } | undefined;
    let checked = 0;
    let timer: NodeJS.Timeout | undefined;
    const arm = () => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        child.kill('SIGKILL');
        resolve({
          failures,
          checked,
          hung: current && { ...current, problem: `no result within ${HANG_MS} ms (budget ${BUDGET_MS} ms)` },
        });
      }, HANG_MS);
    };
    child.on('message', (m: { kind: string; i: number; text: string; languageId: string; problem?: string }) => {
      if (m.kind === 'start') {
        current = { i: m.i, text: m.text, languageId: m.languageId };
        arm();
      } else if (m.kind === 'done') {
        checked++;
        if (m.problem && current) failures.push({ ...current, problem: m.problem });
      } else if (m.kind === 'end') {
        clearTimeout(timer);
        resolve({ failures, checked });
      }
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (signal !== 'SIGKILL' && checked < count - from)
        reject(
          new Error(
            `the fuzz child died (${code ?? signal}) after ${checked} documents, seed ${seed}, at ${JSON.stringify(current)}:\n${stderr}`,
          ),
        );
    });
    arm();
  });
}

describe('Check Proof fuzz: random LaTeX (seeded, bounded in time)', function () {
  this.timeout(300_000);

  async function fuzz(seed: number, count: number, from = 0): Promise<void> {
    const t0 = Date.now();
    const { failures, hung, checked } = await runFuzz(seed, count, from);
    const where = `seed ${seed} (repeat with FUZZ_SEED=${seed})`;
    assert.equal(
      hung,
      undefined,
      `a call hung, ${where}, document #${hung?.i} (${hung?.languageId}): ${JSON.stringify(hung?.text)}`,
    );
    assert.deepEqual(failures.slice(0, 3), [], `${failures.length} failure(s), ${where}`);
    assert.equal(checked, count - from);
    console.log(`    ${count - from} documents in ${Date.now() - t0} ms (seed ${seed})`);
  }

  it(`${COUNT} random documents: no crash, no hang, one well-formed result each`, () => fuzz(SEED, COUNT));

  it(`seed ${CI_SEED}, documents 4800-5099 (where a CI run's child died): no crash, no hang`, () =>
    fuzz(CI_SEED, 5100, 4800));
});
