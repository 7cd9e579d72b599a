// The bytes of a built model's graphs, split into the dense part (always resident) and the routed experts (opened by
// group on first selection): what the residency benchmarks set a memory budget from.
import { readdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { WeightPrecision } from '../engine/protocol';

export interface GraphBytes {
  graphDir: string;
  denseBytes: number;
  routedBytes: number;
}

/**
 * The graph folder of `checkpointDir` at `precision` in `cacheDir` whose first MoE layer has `groups` expert groups
 * (a load builds it first), and its bytes.
 */
export function graphBytes(
  cacheDir: string,
  checkpointDir: string,
  precision: WeightPrecision,
  groups: number,
): GraphBytes {
  const graphDir = readdirSync(cacheDir)
    .map((d) => join(cacheDir, d))
    .filter((d) => basename(d).startsWith(`${basename(checkpointDir)}-${precision}-`) && statSync(d).isDirectory())
    .find((d) => readdirSync(d).filter((f) => /^layer1\.experts-g\d+\.onnx$/.test(f)).length === groups);
  if (!graphDir) throw new Error(`no graph folder for ${checkpointDir} at ${precision} with ${groups} groups`);
  const files = readdirSync(graphDir).filter((f) => f.endsWith('.bin'));
  const size = (fs: string[]) => fs.reduce((n, f) => n + statSync(join(graphDir, f)).size, 0);
  const routedBytes = size(files.filter((f) => /\.routed-experts-g\d+\.bin$/.test(f)));
  return { graphDir, denseBytes: size(files) - routedBytes, routedBytes };
}

/** dense part + half the routed experts: the budget the benchmarks run under */
export const halfExpertBudget = (b: GraphBytes): number => b.denseBytes + Math.floor(b.routedBytes / 2);
