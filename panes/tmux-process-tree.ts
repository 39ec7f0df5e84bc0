/**
 * The process trees a session started: found by walking parent pids (Linux /proc, `ps`
 * elsewhere), identified by pid and start time (so a reused pid is never signalled), ended
 * as trees and as process groups (task commands run in their own groups and may have left
 * the tree when their parent died).
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

export interface Proc {
  pid: number;
  ppid: number;
  pgid: number;
  /** Start time in clock ticks since boot (Linux); 0 when unknown. */
  start: number;
  zombie: boolean;
}

/** Parses /proc/PID/stat: the command name may hold spaces and parentheses, so split after the last ')'. */
export function parseStat(text: string): Proc | undefined {
  const close = text.lastIndexOf(')');
  if (close < 0) return undefined;
  const pid = Number(text.slice(0, text.indexOf(' ')));
  const f = text.slice(close + 2).split(' ');
  // f[0] state, f[1] ppid, f[2] pgrp, f[19] starttime (fields 3, 4, 5 and 22 of proc(5)).
  return { pid, ppid: Number(f[1]), pgid: Number(f[2]), start: Number(f[19]), zombie: f[0] === 'Z' || f[0] === 'X' };
}

export function readProc(pid: number): Proc | undefined {
  try {
    return parseStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return undefined;
  }
}

const hasProc = (() => {
  try {
    readdirSync('/proc/self');
    return true;
  } catch {
    return false;
  }
})();

/** Every process of the machine we can see. */
export function processTable(): Map<number, Proc> {
  const out = new Map<number, Proc>();
  if (hasProc) {
    for (const name of readdirSync('/proc')) {
      if (!/^\d+$/.test(name)) continue;
      const p = readProc(Number(name));
      if (p) out.set(p.pid, p);
    }
    return out;
  }
  const text = execFileSync('ps', ['-A', '-o', 'pid=,ppid=,pgid=,stat='], { encoding: 'utf8' });
  for (const line of text.split('\n')) {
    const [pid, ppid, pgid, stat] = line.trim().split(/\s+/);
    if (pid) out.set(Number(pid), { pid: Number(pid), ppid: Number(ppid), pgid: Number(pgid), start: 0, zombie: (stat ?? '').startsWith('Z') });
  }
  return out;
}

/** The roots and everything below them (by parent pid), roots first. */
export function descendants(roots: readonly number[], table: Map<number, Proc> = processTable()): Proc[] {
  const children = new Map<number, Proc[]>();
  for (const p of table.values()) {
    const list = children.get(p.ppid);
    if (list) list.push(p);
    else children.set(p.ppid, [p]);
  }
  const out: Proc[] = [];
  const seen = new Set<number>();
  const queue = roots.map((r) => table.get(r)).filter((p): p is Proc => !!p);
  while (queue.length) {
    const p = queue.shift()!;
    if (seen.has(p.pid)) continue;
    seen.add(p.pid);
    out.push(p);
    queue.push(...(children.get(p.pid) ?? []));
  }
  return out;
}

/** A process's environment (Linux; empty elsewhere or when not ours to read). */
export function environOf(pid: number): Map<string, string> {
  const out = new Map<string, string>();
  try {
    for (const kv of readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0')) {
      const i = kv.indexOf('=');
      if (i > 0) out.set(kv.slice(0, i), kv.slice(i + 1));
    }
  } catch {
    /* gone, or not readable */
  }
  return out;
}

/** Living processes whose environment matches (Linux only: [] without /proc). */
export function findByEnv(match: (env: Map<string, string>) => boolean, table: Map<number, Proc> = processTable()): Proc[] {
  if (!hasProc) return [];
  return [...table.values()].filter((p) => !p.zombie && p.pid !== process.pid && match(environOf(p.pid)));
}

/** Is this still the same living process (not exited, not a zombie, pid not reused)? */
export function stillRunning(p: Pick<Proc, 'pid' | 'start'>): boolean {
  if (hasProc) {
    const now = readProc(p.pid);
    return !!now && !now.zombie && (p.start === 0 || now.start === p.start);
  }
  try {
    process.kill(p.pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Any live (non-zombie) process in process group `pgid`? */
export function groupRunning(pgid: number, table: Map<number, Proc> = processTable()): boolean {
  for (const p of table.values()) if (p.pgid === pgid && !p.zombie) return true;
  return false;
}

function ownGroup(): number {
  const mine = readProc(process.pid)?.pgid;
  if (mine !== undefined) return mine;
  try {
    return Number(execFileSync('ps', ['-o', 'pgid=', '-p', String(process.pid)], { encoding: 'utf8' }).trim());
  } catch {
    return -1;
  }
}

function send(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    /* already gone */
  }
}

export interface EndResult {
  /** Processes that were running when we started. */
  found: number;
  /** Those still running after the grace (then SIGKILLed). */
  forced: number;
  /** Those still running at the very end (should be 0). */
  survivors: Proc[];
}

/**
 * Ends processes: optionally signals them (`first`, e.g. SIGTERM), waits up to `graceMs` for
 * them to go (they may be handling SIGHUP themselves), then SIGKILLs whatever is left — each
 * remaining process, any process that appeared below it meanwhile, and their process groups.
 */
export async function endProcesses(procs: readonly Proc[], o: { graceMs: number; first?: NodeJS.Signals; pgids?: readonly number[] }): Promise<EndResult> {
  const live = () => procs.filter(stillRunning);
  const found = live().length;
  if (o.first) for (const p of live()) send(p.pid, o.first);
  const deadline = Date.now() + o.graceMs;
  while (live().length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  const left = live();
  const table = processTable();
  const late = descendants(left.map((p) => p.pid), table);
  const groups = new Set<number>([...(o.pgids ?? []), ...[...left, ...late].map((p) => p.pgid)]);
  // Never our own group (the caller, e.g. a test or `orchestrator stop`, may share it).
  groups.delete(ownGroup());
  for (const g of groups) if (g > 1 && groupRunning(g, table)) send(-g, 'SIGKILL');
  for (const p of [...left, ...late]) if (stillRunning(p)) send(p.pid, 'SIGKILL');
  const until = Date.now() + 2000;
  while (live().length && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
  return { found, forced: left.length, survivors: live() };
}
