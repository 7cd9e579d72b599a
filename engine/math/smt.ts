// Inequalities and implications over the reals through Z3 (WASM build from npm): polynomial arithmetic, division
// (with its denominator constrained non-zero), square roots (as a fresh non-negative root) and absolute values.
// Anything else is "not translatable" and the caller keeps its sampling verdict. Z3 is loaded on first use only.
import { headOf, symbolName, type MathJson } from './mathjson';
import type { RelationOp } from './claims';

/* eslint-disable @typescript-eslint/no-explicit-any -- z3's generic context types are unwieldy to spell out */
type Z3Context = any;
type Arith = any;
type BoolExpr = any;

interface Z3Handle {
  ctx: Z3Context;
  terminate(): void;
  /** Runs `solve` with the finalizers' reference releases held back until it settles (see `holdReleases`). */
  exclusive<T>(solve: () => Promise<T>): Promise<T>;
}

let z3: Promise<Z3Handle> | undefined;

/**
 * z3-solver frees Z3 objects from a FinalizationRegistry: when the garbage collector drops an expression, solver or
 * model, `Z3.dec_ref` (and its kin) runs on the main thread at some later task. A check runs in a wasm worker thread
 * while the main thread waits, so those releases land in the middle of a check and modify the one AST manager the
 * worker is using, without a lock. That corrupts the heap: in the fuzzer a stack overflow in
 * `asserted_formulas::push_assertion` killed the process; with the garbage collector forced during checks
 * (test/helpers/z3-release-race-child.ts) a 2 GB allocation abort, a crash in a solver's destructor or a hang, within
 * seconds. Every `*_dec_ref` of the low-level API is wrapped here: while a check is in flight it is queued, and the
 * queue is drained on the main thread once the check is over, when nothing else runs inside Z3.
 */
function holdReleases(lowLevel: Record<string, unknown>): Pick<Z3Handle, 'exclusive'> {
  let held: Array<() => void> | undefined;
  for (const name of Object.keys(lowLevel)) {
    const release = lowLevel[name];
    if (!name.endsWith('dec_ref') || typeof release !== 'function') continue;
    lowLevel[name] = (...args: unknown[]) => {
      if (held) held.push(() => release(...args));
      else return release(...args);
    };
  }
  // One check at a time: two Check Proof requests (or a check left behind by a caller) must not share the context.
  let queue: Promise<unknown> = Promise.resolve();
  return {
    exclusive<T>(solve: () => Promise<T>): Promise<T> {
      const run = queue.then(async () => {
        held = [];
        try {
          return await solve();
        } finally {
          const releases = held;
          held = undefined;
          for (const release of releases) release();
        }
      });
      queue = run.catch(() => undefined);
      return run;
    },
  };
}

async function loadZ3(): Promise<Z3Handle> {
  // Loaded by name at run time so bundlers leave it in node_modules: its WASM binary sits next to its own files.
  const z3Module = 'z3-solver';
  const { init } = (await import(z3Module)) as typeof import('z3-solver');
  const api = await init();
  // The high-level API looks `Z3.dec_ref` & co. up on this object at each call, so wrapping them here holds its
  // finalizers back too.
  const { exclusive } = holdReleases(api.Z3 as unknown as Record<string, unknown>);
  const ctx = api.Context('main');
  return {
    ctx,
    exclusive,
    terminate: () => (api.em as { PThread?: { terminateAllThreads(): void } }).PThread?.terminateAllThreads(),
  };
}

/** Stops Z3's worker threads so the process can exit. */
export async function shutdownSmt(): Promise<void> {
  if (!z3) return;
  const handle = await z3;
  z3 = undefined;
  handle.terminate();
}

export class NotTranslatable extends Error {}

export type SmtAtom = { op: RelationOp; lhs: MathJson; rhs: MathJson };
/** Disjunction of conjunctions of atoms. */
export type SmtFormula = SmtAtom[][];

class Translator {
  readonly vars = new Map<string, Arith>();
  readonly side: BoolExpr[] = [];
  private fresh = 0;
  constructor(readonly ctx: Z3Context) {}

  variable(name: string): Arith {
    let v = this.vars.get(name);
    if (!v) {
      // Integer variables stay real here: a model that is not an integer is rejected when it is re-evaluated.
      v = this.ctx.Real.const(name);
      this.vars.set(name, v);
    }
    return v;
  }

  num(value: string): Arith {
    return this.ctx.Real.val(value);
  }

  term(e: MathJson): Arith {
    if (typeof e === 'number') {
      if (!Number.isFinite(e)) throw new NotTranslatable('non-finite number');
      return this.num(Number.isInteger(e) ? String(e) : decimalToFraction(String(e)));
    }
    if (!Array.isArray(e) && typeof e === 'object' && 'num' in e) return this.num(decimalToFraction(e.num));
    const name = symbolName(e);
    if (name !== undefined) {
      if (['Pi', 'ExponentialE'].includes(name)) throw new NotTranslatable(name);
      return this.variable(name);
    }
    const head = headOf(e);
    const args = (e as MathJson[]).slice(1);
    switch (head) {
      case 'Add':
        return args.map((a) => this.term(a)).reduce((a, b) => a.add(b));
      case 'Subtract':
        return this.term(args[0]!).sub(this.term(args[1]!));
      case 'Multiply':
        return args.map((a) => this.term(a)).reduce((a, b) => a.mul(b));
      case 'Negate':
        return this.term(args[0]!).neg();
      case 'Divide':
      case 'Rational': {
        const d = this.term(args[1]!);
        this.side.push(d.neq(0));
        return this.term(args[0]!).div(d);
      }
      case 'Square':
        return this.power(this.term(args[0]!), 2);
      case 'Power': {
        const k = args[1];
        if (typeof k === 'number' && Number.isInteger(k) && Math.abs(k) <= 12) {
          const base = this.term(args[0]!);
          if (k >= 0) return this.power(base, k);
          this.side.push(base.neq(0));
          return this.num('1').div(this.power(base, -k));
        }
        if (headOf(k!) === 'Rational' && (k as MathJson[])[1] === 1 && (k as MathJson[])[2] === 2)
          return this.sqrt(args[0]!);
        throw new NotTranslatable('non-integer power');
      }
      case 'Sqrt':
        return this.sqrt(args[0]!);
      case 'Abs': {
        const a = this.term(args[0]!);
        return this.ctx.If(a.ge(0), a, a.neg());
      }
    }
    throw new NotTranslatable(String(head));
  }

  private power(base: Arith, k: number): Arith {
    let r = this.num('1');
    for (let i = 0; i < k; i++) r = i === 0 ? base : r.mul(base);
    return r;
  }

  private sqrt(arg: MathJson): Arith {
    const a = this.term(arg);
    const s = this.ctx.Real.const(`sqrt!${this.fresh++}`);
    this.side.push(a.ge(0), s.ge(0), s.mul(s).eq(a));
    return s;
  }

  atom(atom: SmtAtom): BoolExpr {
    const l = this.term(atom.lhs);
    const r = this.term(atom.rhs);
    switch (atom.op) {
      case 'Equal':
        return l.eq(r);
      case 'NotEqual':
        return l.neq(r);
      case 'Less':
        return l.lt(r);
      case 'LessEqual':
        return l.le(r);
      case 'Greater':
        return l.gt(r);
      case 'GreaterEqual':
        return l.ge(r);
    }
    throw new NotTranslatable(atom.op);
  }

  formula(f: SmtFormula): BoolExpr {
    const clauses = f.map((conj) =>
      conj.length === 1 ? this.atom(conj[0]!) : this.ctx.And(...conj.map((a) => this.atom(a))),
    );
    return clauses.length === 1 ? clauses[0] : this.ctx.Or(...clauses);
  }
}

/** Z3's bignum arithmetic on a number of 300,000 digits (`2^{999999}` folded by the CAS) runs past its own timeout. */
const MAX_NUMBER_DIGITS = 200;

function decimalToFraction(s: string): string {
  const m = s.match(/^([+-]?)(\d+)(?:\.(\d+))?$/);
  if (!m) throw new NotTranslatable(`number ${s.length > 40 ? `${s.slice(0, 20)}…` : s}`);
  if (m[2]!.length + (m[3]?.length ?? 0) > MAX_NUMBER_DIGITS)
    throw new NotTranslatable(`a number of ${m[2]!.length + (m[3]?.length ?? 0)} digits`);
  const frac = m[3] ?? '';
  return frac ? `${m[1]}${m[2]}${frac}/1${'0'.repeat(frac.length)}` : `${m[1]}${m[2]}`;
}

export type SmtOutcome =
  { status: 'unsat' } | { status: 'sat'; model: Record<string, string> } | { status: 'unknown'; reason: string };

/** Is `hypotheses ∧ ¬goal` satisfiable? unsat = the goal follows; sat comes with a model (exact or 20-digit decimals). */
export async function findCounterModel(
  hypotheses: SmtFormula[],
  goal: SmtFormula,
  integers: ReadonlySet<string>,
  timeoutMs = 4000,
): Promise<SmtOutcome> {
  void integers;
  z3 ??= loadZ3();
  const { ctx, exclusive } = await z3;
  // Translation, check and model reading all inside: no other Z3 call may run while the worker holds the context.
  return exclusive(() => solve(ctx, hypotheses, goal, timeoutMs));
}

async function solve(
  ctx: Z3Context,
  hypotheses: SmtFormula[],
  goal: SmtFormula,
  timeoutMs: number,
): Promise<SmtOutcome> {
  const t = new Translator(ctx);
  let hyp: BoolExpr[];
  let goalExpr: BoolExpr;
  try {
    hyp = hypotheses.map((h) => t.formula(h));
    goalExpr = t.formula(goal);
  } catch (err) {
    if (err instanceof NotTranslatable)
      return { status: 'unknown', reason: `not expressible for the SMT solver (${err.message})` };
    throw err;
  }
  const solver = new ctx.Solver();
  try {
    solver.set('timeout', timeoutMs);
    for (const h of [...hyp, ...t.side]) solver.add(h);
    solver.add(ctx.Not(goalExpr));
    const result = await solver.check();
    if (result === 'unsat') return { status: 'unsat' };
    if (result === 'unknown') return { status: 'unknown', reason: 'the SMT solver gave up (timeout or nonlinear)' };
    const model = solver.model();
    try {
      const values: Record<string, string> = {};
      for (const [name, v] of t.vars) {
        const val = model.eval(v, true);
        values[name] =
          ctx.isRealVal(val) || ctx.isIntVal(val)
            ? fractionString(ctx.isIntVal(val) ? { numerator: val.value(), denominator: 1n } : val.value())
            : val.asDecimal
              ? String(val.asDecimal(20)).replace(/\?$/, '')
              : String(val);
      }
      return { status: 'sat', model: values };
    } finally {
      model.release();
    }
  } finally {
    // released now rather than whenever the garbage collector gets to them
    solver.release();
  }
}

function fractionString(v: { numerator: bigint; denominator: bigint }): string {
  return v.denominator === 1n ? v.numerator.toString() : `${v.numerator}/${v.denominator}`;
}
