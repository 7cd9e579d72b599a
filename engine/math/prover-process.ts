// Runs a prover as a child process it fully owns: its own process group (spawned detached), so a timeout or a
// cancel kills the prover and everything it started (a child of the prover must not keep the check waiting), and
// its output capped, so a file that prints without end cannot fill the engine's memory.
import { spawn } from 'node:child_process';

export const OUTPUT_CAP_BYTES = 1024 * 1024;

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
  missing?: boolean;
  timedOut?: boolean;
  /** output past OUTPUT_CAP_BYTES was dropped */
  truncated?: boolean;
}

function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, 'SIGKILL'); // the whole group: the prover and whatever it spawned
  } catch {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
}

export function runProcess(
  cmd: string,
  args: string[],
  cwd: string,
  timeoutMs: number,
  signal?: AbortSignal,
  capBytes = OUTPUT_CAP_BYTES,
): Promise<RunResult> {
  return new Promise((resolvePromise, reject) => {
    if (signal?.aborted) return reject(new DOMException('proof check cancelled', 'AbortError'));
    const child = spawn(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let total = 0;
    let truncated = false;
    let timedOut = false;
    let settled = false;
    const take = (into: Buffer[]) => (d: Buffer) => {
      if (total >= capBytes) {
        truncated = true;
        return;
      }
      const room = capBytes - total;
      if (d.length > room) truncated = true;
      const part = d.length > room ? d.subarray(0, room) : d;
      into.push(part);
      total += part.length;
    };
    child.stdout.on('data', take(out));
    child.stderr.on('data', take(err));
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child.pid);
      finish(null);
    }, timeoutMs);
    const onAbort = () => {
      killGroup(child.pid);
      finish(null);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    function finish(code: number | null): void {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      killGroup(child.pid); // leftovers of a prover that exited but left children behind
      child.stdout.destroy();
      child.stderr.destroy();
      if (signal?.aborted) return reject(new DOMException('proof check cancelled', 'AbortError'));
      resolvePromise({
        code,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        timedOut,
        truncated,
      });
    }
    child.on('error', (e: NodeJS.ErrnoException) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      if (e.code === 'ENOENT') resolvePromise({ code: null, stdout: '', stderr: '', missing: true });
      else reject(e);
    });
    // 'close' (pipes drained) normally follows 'exit' at once; a grandchild holding the pipes open must not delay
    // the result, so after 'exit' wait only briefly for it.
    let exitCode: number | null = null;
    child.on('exit', (code) => {
      exitCode = code;
      setTimeout(() => finish(code), 200).unref();
    });
    child.on('close', (code) => finish(code ?? exitCode));
  });
}
