/**
 * Which processes of a run are alive, wherever they came from: the keep-alive monitor and the
 * control process (by the seat files in the state directory, pid and start time), worker
 * groups (by their command line, however they were started) and everything carrying the run's
 * environment marker (workers, panes, and every task process, daemonised ones included: a
 * process keeps its environment across setsid and double forks). The caller and its ancestors
 * are left out (a shell in one of the run's panes carries the marker too).
 *
 * Used by every command that must not act while a run lives (`run --fresh`, `launch --fresh`,
 * `ha --fresh`, `reset`) and by `stop`, which ends them.
 */
import type { RunPaths } from '../run-dir/paths.js';
import { UsageError } from '../core/errors.js';
import { readHolder, type Seat } from './seats.js';
import { RUN_DIR_ENV, isWorkerCommand } from './worker-process.js';
import { cmdline, environ, HAS_PROC, readProcTable, stillRunning, type Proc, type ProcTable } from '../../workers/os/process-tree.js';

export interface RunProcess extends Proc {
  /** What it is, for messages: "worker group (quad 2)", "task build (attempt 1, agent alice)", … */
  what: string;
  /** A supervisor or worker (to be asked to stop first), or a task process. */
  kind: 'supervisor' | 'worker' | 'task' | 'other';
}

const SEAT_NAMES: Record<Seat, string> = { 'keep-alive': 'keep-alive monitor', control: 'control process' };

function ancestors(table: ProcTable): Set<number> {
  const out = new Set<number>();
  for (let p = table.get(process.pid); p && !out.has(p.pid); p = table.get(p.ppid)) out.add(p.pid);
  return out;
}

/** The command a process runs, shortened for a message: `orchestrator run`, `sleep 1000`, … */
function shortCommand(pid: number, comm: string): string {
  const argv = cmdline(pid);
  const cli = argv.findIndex((a) => /(cli\.js|orchestrator)$/.test(a));
  const words = cli >= 0 ? ['orchestrator', ...argv.slice(cli + 1, cli + 2)] : argv.slice(0, 3);
  return words.join(' ').slice(0, 60) || comm;
}

function quadOf(argv: readonly string[], runDir: string): number | undefined {
  for (let q = 1; q <= 8; q++) if (isWorkerCommand(argv, runDir, q)) return q;
  return undefined;
}

export function runProcesses(paths: RunPaths, table: ProcTable = readProcTable()): RunProcess[] {
  if (!HAS_PROC) return [];
  const skip = ancestors(table);
  const found = new Map<number, RunProcess>();
  for (const seat of ['keep-alive', 'control'] as const) {
    const h = readHolder(paths.stateDir, seat);
    const p = h && table.get(h.pid);
    if (p && !p.zombie && !skip.has(p.pid) && stillRunning(h)) found.set(p.pid, { ...p, kind: 'supervisor', what: `${SEAT_NAMES[seat]} (${shortCommand(p.pid, p.comm)})` });
  }
  for (const p of table.values()) {
    if (p.zombie || skip.has(p.pid) || found.has(p.pid)) continue;
    const env = environ(p.pid);
    const argv = p.comm.startsWith('node') ? cmdline(p.pid) : [];
    const quad = quadOf(argv, paths.runDir);
    if (quad !== undefined) {
      found.set(p.pid, { ...p, kind: 'worker', what: `worker group (quad ${quad})` });
    } else if (env.get(RUN_DIR_ENV) === paths.runDir) {
      const task = env.get('ORCHESTRATOR_TASK_ID');
      found.set(p.pid, task
        ? { ...p, kind: 'task', what: `task ${task} (attempt ${env.get('ORCHESTRATOR_ATTEMPT') ?? '?'}, agent ${env.get('ORCHESTRATOR_AGENT') ?? '?'}): ${shortCommand(p.pid, p.comm)}` }
        : { ...p, kind: 'other', what: shortCommand(p.pid, p.comm) });
    }
  }
  return [...found.values()].sort((a, b) => a.pid - b.pid);
}

/** One line per process, at most `max` of them. */
export function describeProcesses(procs: readonly RunProcess[], max = 12): string {
  const lines = procs.slice(0, max).map((p) => `  pid ${p.pid}: ${p.what}`);
  if (procs.length > max) lines.push(`  … and ${procs.length - max} more`);
  return lines.join('\n');
}

/** Refuses `action` while any process of the run lives, naming them and the way out. */
export function refuseWhileAlive(paths: RunPaths, action: string): void {
  const live = runProcesses(paths);
  if (!live.length) return;
  throw new UsageError(`cannot ${action}: ${live.length} process${live.length === 1 ? '' : 'es'} of the run in ${paths.runDir} ${live.length === 1 ? 'is' : 'are'} still running:\n${describeProcesses(live)}\nstop them first: orchestrator stop --run-dir ${paths.runDir}`);
}
