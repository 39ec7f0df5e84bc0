/**
 * The process table from /proc (Linux): pid → parent, resident memory and CPU ticks, and the
 * descendants of a set of pids. Reading /proc directly costs a few milliseconds for a few
 * hundred processes and sees the short-lived task processes pidusage would miss.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';

export interface ProcInfo {
  pid: number;
  ppid: number;
  rssBytes: number;
  /** utime + stime + cutime + cstime: the process and its reaped children, in clock ticks. */
  ticks: number;
}

export const HAS_PROC = existsSync('/proc/self/stat');

function sysconf(name: string, fallback: number): number {
  try {
    const v = Number(execFileSync('getconf', [name], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
    return Number.isFinite(v) && v > 0 ? v : fallback;
  } catch {
    return fallback;
  }
}

let constants: { tick: number; page: number } | undefined;
/** Clock ticks per second and the page size, asked once. */
export function procConstants(): { tick: number; page: number } {
  constants ??= { tick: sysconf('CLK_TCK', 100), page: sysconf('PAGESIZE', 4096) };
  return constants;
}

/** Parses /proc/<pid>/stat; the command name may contain spaces and parentheses. */
export function parseStat(text: string, page: number): ProcInfo | undefined {
  const close = text.lastIndexOf(')');
  if (close < 0) return undefined;
  const pid = Number(text.slice(0, text.indexOf(' ')));
  // Fields after the name start at field 3 (state); see proc(5).
  const f = text.slice(close + 2).trim().split(/\s+/);
  const n = (field: number) => Number(f[field - 3]);
  const info = { pid, ppid: n(4), ticks: n(14) + n(15) + n(16) + n(17), rssBytes: n(24) * page };
  return Number.isFinite(info.pid) && Number.isFinite(info.ppid) ? info : undefined;
}

export function readProcTable(): Map<number, ProcInfo> {
  const out = new Map<number, ProcInfo>();
  if (!HAS_PROC) return out;
  const { page } = procConstants();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const info = parseStat(readFileSync(`/proc/${name}/stat`, 'utf8'), page);
      if (info) out.set(info.pid, info);
    } catch {
      // gone between readdir and read
    }
  }
  return out;
}

/** The roots (those alive) and everything below them. */
export function descendants(table: ReadonlyMap<number, ProcInfo>, roots: Iterable<number>): Set<number> {
  const children = new Map<number, number[]>();
  for (const p of table.values()) {
    const list = children.get(p.ppid);
    if (list) list.push(p.pid);
    else children.set(p.ppid, [p.pid]);
  }
  const out = new Set<number>();
  const stack = [...roots].filter((pid) => table.has(pid));
  while (stack.length) {
    const pid = stack.pop()!;
    if (out.has(pid)) continue;
    out.add(pid);
    for (const c of children.get(pid) ?? []) stack.push(c);
  }
  return out;
}
