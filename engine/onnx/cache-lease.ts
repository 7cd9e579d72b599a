// Which cache folders are in use, and when each was last used. An engine that loads a model holds a lease on its
// folder (a file `lease-PID` in it) until the model is disposed, so another engine sharing the cache never evicts
// graphs that are open; a lease whose process has died is ignored. The last use is the mtime of `last-used`, touched
// on every load and release (the manifest's own mtime stays the build time).
import { readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';

const LEASE = /^lease-(\d+)$/;
export const LAST_USED_FILE = 'last-used';

/** Lease files are left out of a folder's size, so an entry's size does not depend on who has it loaded. */
export function isLeaseFile(name: string): boolean {
  return LEASE.test(name);
}

/** Whether a process with this pid runs on this machine (EPERM: it does, as another user). */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Writes this process's lease file into a folder (before its rename, for a folder being built). */
export function writeLease(folder: string): void {
  const body = JSON.stringify({ pid: process.pid, host: hostname(), since: new Date().toISOString() });
  writeFileSync(join(folder, `lease-${process.pid}`), body, { mode: 0o600 });
}

/**
 * When a process started (ms since the epoch), where the OS says (Linux: /proc); undefined elsewhere. A lease older
 * than its pid's process was left by a dead engine whose pid was reused.
 */
function processStartMs(pid: number): number | undefined {
  try {
    const btime = Number(/^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'utf8'))?.[1]);
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // the fields after the command name, which may itself hold spaces and parentheses; starttime is field 22
    const ticks = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]);
    return Number.isFinite(btime) && Number.isFinite(ticks) ? btime * 1000 + ticks * 10 : undefined; // USER_HZ 100
  } catch {
    return undefined;
  }
}

/**
 * The pids holding live leases on a folder. A lease written on another machine (a cache on a shared disk) cannot be
 * checked and counts as live: keeping a folder too long costs disk, removing one in use breaks a running engine.
 */
export function liveLeases(dir: string): number[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const pids: number[] = [];
  for (const name of names) {
    const m = LEASE.exec(name);
    if (!m) continue;
    const pid = Number(m[1]);
    let lease: { host?: string; since?: string } = {};
    try {
      lease = JSON.parse(readFileSync(join(dir, name), 'utf8')) as typeof lease;
    } catch {
      // a lease half written or unreadable: judge it by its pid
    }
    if (lease.host !== undefined && lease.host !== hostname()) pids.push(pid);
    else if (pidAlive(pid) && !outlived(pid, lease.since)) pids.push(pid);
  }
  return pids;
}

/** The lease was written before its pid's process started (with a few seconds' slack for clock granularity). */
function outlived(pid: number, since: string | undefined): boolean {
  const started = processStartMs(pid);
  const written = since === undefined ? NaN : Date.parse(since);
  return started !== undefined && Number.isFinite(written) && written < started - 5000;
}

/** One model's hold on a cache folder; `release` is idempotent. */
export interface CacheLease {
  dir: string;
  release(): void;
}

/** Leases this process holds, per folder: two loads of one model share the file, the last release removes it. */
const held = new Map<string, number>();

/** Takes a lease on a complete folder and marks it used now (and again at release); throws when the folder is gone. */
export function holdLease(dir: string): CacheLease {
  writeLease(dir);
  held.set(dir, (held.get(dir) ?? 0) + 1);
  touchLastUsed(dir);
  let released = false;
  return {
    dir,
    release() {
      if (released) return;
      released = true;
      const n = (held.get(dir) ?? 1) - 1;
      if (n > 0) {
        held.set(dir, n);
        return;
      }
      held.delete(dir);
      rmSync(join(dir, `lease-${process.pid}`), { force: true });
      // a model loaded for days was in use all along: its last use is now, not its load
      try {
        touchLastUsed(dir);
      } catch {
        // the folder was removed behind our back (a damaged cache being rebuilt)
      }
    },
  };
}

export function touchLastUsed(dir: string, when: Date = new Date()): void {
  const file = join(dir, LAST_USED_FILE);
  try {
    utimesSync(file, when, when);
  } catch {
    writeFileSync(file, '', { mode: 0o600 });
    utimesSync(file, when, when);
  }
}
