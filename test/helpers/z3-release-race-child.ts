// Run with --expose-gc: checks through engine/math/smt.ts while the garbage collector runs between every two tasks, so
// z3-solver's finalizers release the previous checks' expressions while the next check is running in Z3's worker.
// Exits 0 after `count` checks; a corrupted Z3 heap aborts, crashes or hangs the process instead.
import { findCounterModel, shutdownSmt, type SmtAtom } from '../../engine/math/smt';

async function main(): Promise<void> {
  const count = Number(process.argv[2] ?? 20);
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with --expose-gc');
  let stop = false;
  const collect = () => {
    if (stop) return;
    gc();
    setImmediate(collect);
  };
  setImmediate(collect);
  for (let i = 0; i < count; i++) {
    // 400 atoms over 40 fresh variables: thousands of new nodes for the worker to build, thousands for the finalizers
    const x = (j: number) => `x${i}_${j % 40}`;
    const atoms: SmtAtom[] = Array.from({ length: 400 }, (_, j) => ({
      op: 'Greater',
      lhs: ['Add', ['Multiply', x(j), x(j * 7)], j],
      rhs: ['Subtract', x(j * 3), 2 * j],
    }));
    const outcome = await findCounterModel([[atoms]], [[{ op: 'Less', lhs: x(1), rhs: x(2) }]], new Set(), 100);
    process.stdout.write(`${i} ${outcome.status}\n`);
  }
  stop = true;
  await shutdownSmt();
  process.exit(0);
}

void main();
