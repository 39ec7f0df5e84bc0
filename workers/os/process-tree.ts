/**
 * The machine's processes, read from /proc (Linux; `ps` elsewhere, with fewer facts): one
 * table of Proc records, the descendants of a set of pids, a process's command line and
 * environment, and ending processes. A process is identified by pid and start time, so a
 * reused pid is never signalled; a zombie counts as gone (pid 1 may never reap an orphan).
 * Kills are by pid and by process groups led by a process being ended — never by name, never
 * the caller's own group. Used by the keep-alive monitor and its roles, `stop` and the tmux
 * supervisor, the dashboard's metrics and the benchmarks.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { signalGroup } from './process-groups.js';
import { processExists } from './process-exists.js';

export interface Proc {
  pid: number;
  ppid: number;
  pgid: number;
  /** The command name (at most 15 characters; may hold spaces and parentheses). */
  comm: string;
  /** R, S, D, T (stopped), Z (zombie), X (dead), … */
  state: string;
  /** Exited but not reaped (Z or X): gone for every purpose here. */
  zombie: boolean;
  /** Start time in clock ticks since boot: with the pid, identifies one process for good; 0 when unknown. */
  start: number;
  rssBytes: number;
  /** utime + stime + cutime + cstime: the process and its reaped children, in clock ticks. */
  ticks: number;
}

export type ProcTable = ReadonlyMap<number, Proc>;

export const HAS_PROC = existsSync('/proc/self/stat');

function sysconf(name: string, fallback: number): number {
  try {
    const v = Number(execFileSync('getconf', [name], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
    return Number.isFinite(v) && v > 0 ? v : fallback;
  } catch {
    return fallback;
  }
}

let ticksPerSecond: number | undefined;
let pageBytes: number | undefined;
/** Clock ticks per second (the unit of `start` and `ticks`), asked once. */
export function clockTicks(): number {
  return (ticksPerSecond ??= sysconf('CLK_TCK', 100));
}
/** The page size (the unit of rss in /proc), asked once. */
export function pageSize(): number {
  return (pageBytes ??= sysconf('PAGESIZE', 4096));
}

/** Parses /proc/PID/stat: the command name may hold spaces and parentheses, so fields count from the last ')'. */
export function parseStat(text: string, page = pageSize()): Proc | undefined {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return undefined;
  // Fields after the name start at field 3 (state); numbers as in proc(5).
  const f = text.slice(close + 2).trim().split(/\s+/);
  const n = (field: number) => Number(f[field - 3] ?? 0);
  const state = f[0] ?? '';
  const p: Proc = {
    pid: Number(text.slice(0, open)), ppid: n(4), pgid: n(5), comm: text.slice(open + 1, close), state, zombie: state === 'Z' || state === 'X',
    start: n(22), rssBytes: n(24) * page, ticks: n(14) + n(15) + n(16) + n(17),
  };
  return Number.isFinite(p.pid) && Number.isFinite(p.ppid) ? p : undefined;
}

/** One process from /proc (undefined when gone, or without /proc). */
export function readProc(pid: number, page?: number): Proc | undefined {
  if (!HAS_PROC) return undefined;
  try {
    return parseStat(readFileSync(`/proc/${pid}/stat`, 'utf8'), page);
  } catch {
    return undefined;
  }
}

/** Every process of the machine we can see. Reading /proc costs a few ms for a few hundred processes. */
export function readProcTable(): Map<number, Proc> {
  const out = new Map<number, Proc>();
  if (HAS_PROC) {
    const page = pageSize();
    for (const name of readdirSync('/proc')) {
      if (!/^\d+$/.test(name)) continue;
      const p = readProc(Number(name), page);
      if (p) out.set(p.pid, p);
    }
    return out;
  }
  const text = execFileSync('ps', ['-A', '-o', 'pid=,ppid=,pgid=,stat=,comm='], { encoding: 'utf8' });
  for (const line of text.split('\n')) {
    const [pid, ppid, pgid, stat = '', ...comm] = line.trim().split(/\s+/);
    if (!pid) continue;
    const state = stat.slice(0, 1);
    out.set(Number(pid), { pid: Number(pid), ppid: Number(ppid), pgid: Number(pgid), comm: comm.join(' '), state, zombie: state === 'Z', start: 0, rssBytes: 0, ticks: 0 });
  }
  return out;
}

/** The roots found in the table and everything below them (by parent pid), roots first, breadth first. */
export function descendants(roots: Iterable<number>, table: ProcTable = readProcTable()): Proc[] {
  const children = new Map<number, Proc[]>();
  for (const p of table.values()) {
    const list = children.get(p.ppid);
    if (list) list.push(p);
    else children.set(p.ppid, [p]);
  }
  const out: Proc[] = [];
  const seen = new Set<number>();
  const visit = (p: Proc | undefined) => {
    if (p && !seen.has(p.pid)) {
      seen.add(p.pid);
      out.push(p);
    }
  };
  for (const r of roots) visit(table.get(r));
  for (let i = 0; i < out.length; i++) for (const c of children.get(out[i]!.pid) ?? []) visit(c);
  return out;
}

export function cmdline(pid: number): string[] {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
  } catch {
    return [];
  }
}

/** A process's environment (empty when gone, not ours to read, or without /proc). */
export function environ(pid: number): Map<string, string> {
  const env = new Map<string, string>();
  try {
    for (const kv of readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0')) {
      const i = kv.indexOf('=');
      if (i > 0) env.set(kv.slice(0, i), kv.slice(i + 1));
    }
  } catch {
    // Gone, or not ours to read.
  }
  return env;
}

/** Live processes (not this one) whose environment matches, e.g. a run dir and an agent name. [] without /proc. */
export function findByEnv(match: (env: Map<string, string>) => boolean, table: ProcTable = readProcTable()): Proc[] {
  if (!HAS_PROC) return [];
  return [...table.values()].filter((p) => !p.zombie && p.pid !== process.pid && match(environ(p.pid)));
}

/** Still the same living process: not exited, not a zombie, and (when `start` is known) its pid not reused. */
export function stillRunning(p: { pid: number; start?: number }): boolean {
  if (HAS_PROC) {
    const now = readProc(p.pid, 0); // page 0: rss not wanted here
    return !!now && !now.zombie && (!p.start || now.start === p.start);
  }
  return processExists(p.pid);
}

/** Alive and not a zombie (an orphan nobody reaps still answers kill 0). */
export function pidAlive(pid: number | undefined): boolean {
  return !!pid && pid > 0 && stillRunning({ pid });
}

/** Any live (non-zombie) process in process group `pgid`? */
export function groupRunning(pgid: number, table: ProcTable = readProcTable()): boolean {
  for (const p of table.values()) if (p.pgid === pgid && !p.zombie) return true;
  return false;
}

/** The start time of a live process (to record with its pid or process group); undefined when gone or unknown. */
export function startTimeOf(pid: number): number | undefined {
  const p = readProc(pid, 0);
  return p && !p.zombie && p.start ? p.start : undefined;
}

/**
 * Whether process group `g` is provably the one recorded: its leader is alive, still leads
 * that group, and has the recorded start time. Without a recorded start time (an old state)
 * or without /proc nothing is provable, and the answer is no.
 */
export function groupIsOurs(g: { pgid: number; start?: number }): boolean {
  if (!g.start || g.pgid <= 1 || !HAS_PROC) return false;
  const leader = readProc(g.pgid, 0);
  return !!leader && !leader.zombie && leader.pgid === g.pgid && leader.start === g.start;
}

/** SIGKILLs the recorded groups that are provably still ours (see groupIsOurs); returns those signalled. */
export function killOwnedGroups(groups: readonly { pgid: number; start?: number }[]): number[] {
  const own = process.pid;
  const out: number[] = [];
  for (const g of groups) if (g.pgid !== own && groupIsOurs(g) && signalGroup(g.pgid, 'SIGKILL')) out.push(g.pgid);
  return out;
}

/** Signals one process; nothing when it is gone already. */
export function signalProcess(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // Already gone.
  }
}

/**
 * SIGKILLs now, synchronously: those of `procs` still running (same pid and start time),
 * whatever appeared below them since they were listed (a task may have forked), the groups in
 * `pgids`, and the process groups led by any of them (a task's group may hold processes that
 * already left the tree). A group led by someone else is not ours to end, and neither is the
 * caller or its own group. Returns the processes signalled.
 */
export function killNow(procs: readonly Proc[], pgids: readonly number[] = []): Proc[] {
  const table = readProcTable();
  const left = procs.filter((p) => p.pid !== process.pid && stillRunning(p));
  const members = descendants(left.map((p) => p.pid), table).filter((p) => p.pid !== process.pid && !p.zombie);
  const leaders = new Set([...procs, ...members].map((p) => p.pid));
  const groups = new Set([...pgids, ...members.map((p) => p.pgid).filter((g) => leaders.has(g))]);
  groups.delete(table.get(process.pid)?.pgid ?? -1);
  for (const g of groups) if (g > 1 && groupRunning(g, table)) signalGroup(g, 'SIGKILL');
  for (const p of members) signalProcess(p.pid, 'SIGKILL');
  return members;
}

export interface EndResult {
  /** Processes that were running when we started. */
  found: number;
  /** Those still running after the grace (then SIGKILLed). */
  forced: number;
  /** Those still running at the very end (should be none). */
  survivors: Proc[];
}


/**
 * Ends processes: waits up to `graceMs` for them to go by themselves (they may be handling a
 * SIGHUP or SIGTERM the caller sent), then `killNow`s whatever is left, and waits up to 2 s
 * for the kills to land.
 */
export async function endProcesses(procs: readonly Proc[], o: { graceMs: number; pgids?: readonly number[] }): Promise<EndResult> {
  const mine = procs.filter((p) => p.pid !== process.pid);
  const live = (ps: readonly Proc[]) => ps.filter(stillRunning);
  const found = live(mine).length;
  const deadline = Date.now() + o.graceMs;
  while (live(mine).length && Date.now() < deadline) await sleep(50);
  const forced = live(mine).length;
  const watched = [...mine, ...killNow(mine, o.pgids)];
  const until = Date.now() + 2000;
  while (live(watched).length && Date.now() < until) await sleep(50);
  return { found, forced, survivors: [...new Map(live(watched).map((p) => [p.pid, p])).values()] };
}
