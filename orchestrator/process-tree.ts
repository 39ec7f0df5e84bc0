/**
 * What the keep-alive monitor needs to know about processes, read from /proc (Linux): whether
 * a pid is really alive (a zombie is not), a process's tree, command line and environment.
 * Every kill here is by pid or by a process group whose leader we found in the tree — never by
 * name. Without /proc (other systems) the answers degrade to kill(pid, 0).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';

export interface ProcInfo {
  pid: number;
  ppid: number;
  pgid: number;
  /** R, S, D, T (stopped), Z (zombie), … */
  state: string;
  /** Start time in clock ticks since boot: with the pid, identifies one process for good. */
  start: number;
}

const HAVE_PROC = existsSync('/proc/self/stat');

export function procInfo(pid: number): ProcInfo | undefined {
  if (!HAVE_PROC) return undefined;
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name is in parentheses and may itself contain spaces or parentheses.
    const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { pid, state: f[0]!, ppid: Number(f[1]), pgid: Number(f[2]), start: Number(f[19]) };
  } catch {
    return undefined;
  }
}

/** Alive and not a zombie (an orphan whose parent does not reap it still answers kill 0). */
export function pidAlive(pid: number | undefined): boolean {
  if (!pid || pid <= 0) return false;
  if (HAVE_PROC) {
    const p = procInfo(pid);
    return !!p && p.state !== 'Z' && p.state !== 'X';
  }
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function allProcs(): ProcInfo[] {
  if (!HAVE_PROC) return [];
  const out: ProcInfo[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const p = procInfo(Number(name));
    if (p) out.push(p);
  }
  return out;
}

/** `pid` and every process below it (children first found by ppid, breadth first). */
export function processTree(pid: number, procs: ProcInfo[] = allProcs()): ProcInfo[] {
  const byParent = new Map<number, ProcInfo[]>();
  for (const p of procs) byParent.set(p.ppid, [...(byParent.get(p.ppid) ?? []), p]);
  const root = procs.find((p) => p.pid === pid);
  const out = root ? [root] : [];
  for (let i = 0; i < out.length; i++) out.push(...(byParent.get(out[i]!.pid) ?? []));
  return out;
}

export function cmdline(pid: number): string[] {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
  } catch {
    return [];
  }
}

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

function kill(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // Already gone.
  }
}

/**
 * SIGKILLs a process and everything below it, plus the process groups led by members of the
 * tree (a task's group may fork after we looked). The caller's own group is never signalled.
 */
export function killTree(pid: number): number[] {
  const tree = processTree(pid);
  const own = process.pid;
  const ownGroup = procInfo(own)?.pgid;
  const members = tree.length ? tree : [{ pid, pgid: -1 } as ProcInfo];
  for (const p of members) if (p.pid !== own) kill(p.pid, 'SIGKILL');
  const leaders = new Set(members.map((p) => p.pid));
  for (const p of members) if (p.pgid > 0 && p.pgid !== ownGroup && leaders.has(p.pgid)) kill(-p.pgid, 'SIGKILL');
  return members.map((p) => p.pid);
}

/** Live processes whose environment has every one of `match` (e.g. the run dir and an agent name). */
export function findByEnv(match: (env: Map<string, string>) => boolean, procs: ProcInfo[] = allProcs()): ProcInfo[] {
  return procs.filter((p) => p.pid !== process.pid && p.state !== 'Z' && match(environ(p.pid)));
}

/** Waits until none of `pids` is alive, up to `ms`. */
export async function waitGone(pids: number[], ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (pids.some(pidAlive)) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 20));
  }
  return true;
}
