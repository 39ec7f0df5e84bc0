/** Starting a worker group as a child process of the built CLI, and finding what a dead one left. */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../run-dir/paths.js';
import { cmdline, descendants, endProcesses, findByEnv, pidAlive, readProc, readProcTable, type Proc, type ProcTable } from '../../workers/os/process-tree.js';

/** The workers' lean entry (same arguments as `orchestrator worker`; its name ends in cli.js). */
export const WORKER_JS = join(PACKAGE_ROOT, 'dist', 'bin', 'worker-cli.js');
/**
 * A small young generation: a worker's live heap is a few MB, and V8's default semi-spaces
 * let each of the run's processes grow by about 25 MB of RSS it never needs.
 */
export const WORKER_NODE_FLAGS = ['--max-semi-space-size=2'];

/** Set for every worker (and so every task) of a run: lets the monitor find a dead group's leftovers. */
export const RUN_DIR_ENV = 'ORCHESTRATOR_RUN_DIR';
/**
 * Set for a worker by the process that started it (`pid:start`): the group leaves when its
 * supervisor is gone for good (worker-group.ts), instead of running on unsupervised.
 */
export const SUPERVISOR_ENV = 'ORCHESTRATOR_SUPERVISOR';

/**
 * How a worker group says the disk refused its state writes (full, read-only): the run stops
 * instead of restarting it (a restart could not write either).
 */
export const DISK_FULL_EXIT = 3;
export const DISK_READONLY_EXIT = 4;

/**
 * Who supervises a worker: the process that started it (`pid:start`, a child-process worker),
 * or whichever process holds the run's control seat (`seat:control`, a tmux pane worker: the
 * session's control pane, which starts after the quad panes and may be respawned with a new
 * pid, supervises them all).
 */
export type SupervisorMark = { pid: number; start: number } | { seat: 'control' };
export const CONTROL_SEAT_MARK = 'seat:control';

export function supervisorMark(): string {
  return `${process.pid}:${readProc(process.pid, 0)?.start ?? 0}`;
}

export function parseSupervisor(v: string | undefined): SupervisorMark | undefined {
  if (v === CONTROL_SEAT_MARK) return { seat: 'control' };
  const m = /^(\d+):(\d+)$/.exec(v ?? '');
  return m ? { pid: Number(m[1]), start: Number(m[2]) } : undefined;
}

/** Node's arguments for a worker group; `plain` for a child process (a tmux pane gets the grid view). */
export function workerArgs(runDir: string, quad: number, plain = true): string[] {
  return [...WORKER_NODE_FLAGS, WORKER_JS, 'worker', '--quad', String(quad), '--run-dir', runDir, ...(plain ? ['--plain'] : [])];
}

/** Whether a command line is this run's worker for `quad` (to adopt it after a monitor restart). */
export function isWorkerCommand(argv: readonly string[], runDir: string, quad: number): boolean {
  const i = argv.indexOf('worker');
  if (i < 0 || !argv[i - 1]?.endsWith('cli.js')) return false;
  const opt = (name: string) => argv[argv.indexOf(name, i) + 1];
  return argv.includes('--quad', i) && opt('--quad') === String(quad) && opt('--run-dir') === runDir;
}

/** Whether `pid` is alive and this run's worker for `quad` (not a reused pid). */
export function isRunWorker(pid: number, runDir: string, quad: number): boolean {
  return pidAlive(pid) && isWorkerCommand(cmdline(pid), runDir, quad);
}

export function spawnWorker(runDir: string, quad: number, stdio: 'ignore' | 'inherit' = 'ignore'): ChildProcess {
  return spawn(process.execPath, workerArgs(runDir, quad), {
    stdio: ['ignore', stdio, 'inherit'],
    env: { ...process.env, [RUN_DIR_ENV]: runDir, [SUPERVISOR_ENV]: supervisorMark() },
  });
}

/** The run's task processes, found by the run dir and an agent in their environment (of `agents` when given). */
export function runTaskProcs(runDir: string, table: ProcTable, agents?: ReadonlySet<string>): Proc[] {
  return findByEnv((env) => env.get(RUN_DIR_ENV) === runDir && (agents ? agents.has(env.get('ORCHESTRATOR_AGENT') ?? '') : env.has('ORCHESTRATOR_AGENT')), table);
}

/**
 * Ends the task processes of `agents` in this run (found by the run dir and agent in their
 * environment) outside the tree of `keep`, a live worker that owns its tasks: e.g. an attempt
 * started just before its worker died, whose process group the state does not know yet.
 */
export async function endStrayTasks(runDir: string, agents: readonly string[], keep?: number): Promise<void> {
  const table = readProcTable();
  const own = new Set(keep !== undefined ? descendants([keep], table).map((p) => p.pid) : []);
  const stray = runTaskProcs(runDir, table, new Set(agents)).filter((p) => !own.has(p.pid));
  if (stray.length) await endProcesses(descendants(stray.map((p) => p.pid), table), { graceMs: 0 });
}
