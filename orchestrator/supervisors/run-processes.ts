/**
 * The live processes of a run, with the role each plays: the keep-alive monitor and the
 * control process (their role files: pid and start time), the worker groups (the pids the
 * state records, when they are still this run's workers) and everything that carries the run
 * directory in its environment (workers, their tasks, tmux panes). Used to refuse what must
 * not happen while a run lives (`reset`), and to say which processes stand in the way.
 */
import type { RunPaths } from '../run-dir/paths.js';
import { liveHolder } from './roles.js';
import { isRunWorker, RUN_DIR_ENV } from './worker-process.js';
import { cmdline, environ, findByEnv, readProcTable } from '../../workers/os/process-tree.js';
import type { State } from '../../state/schema.js';

export interface RunProcess {
  pid: number;
  role: string;
}

export function liveRunProcesses(paths: RunPaths, state?: State): RunProcess[] {
  const out = new Map<number, string>();
  for (const role of ['keep-alive', 'control'] as const) {
    const h = liveHolder(paths.stateDir, role);
    if (h && h.pid !== process.pid) out.set(h.pid, role === 'keep-alive' ? 'keep-alive monitor (or the run process)' : 'control process');
  }
  for (const g of Object.values(state?.groups ?? {})) {
    if (g.pid && g.pid !== process.pid && !out.has(g.pid) && isRunWorker(g.pid, paths.runDir, g.quad)) out.set(g.pid, `worker group ${g.quad}`);
  }
  const table = readProcTable();
  const mine = table.get(process.pid)?.ppid;
  for (const p of findByEnv((env) => env.get(RUN_DIR_ENV) === paths.runDir, table)) {
    if (out.has(p.pid) || p.pid === mine) continue;
    out.set(p.pid, roleFromProc(p.pid, p.comm));
  }
  return [...out].map(([pid, role]) => ({ pid, role })).sort((a, b) => a.pid - b.pid);
}

function roleFromProc(pid: number, comm: string): string {
  const env = environ(pid);
  const task = env.get('ORCHESTRATOR_TASK_ID');
  if (task) return `task ${task} of ${env.get('ORCHESTRATOR_AGENT') ?? '?'}`;
  const argv = cmdline(pid);
  const quad = argv.indexOf('--quad');
  if (argv.includes('worker') && quad > 0) return `worker group ${argv[quad + 1]}`;
  return `${comm} of the run`;
}

/** "pid 12 (worker group 1), pid 15 (control process)" */
export function describeProcesses(procs: readonly RunProcess[], max = 8): string {
  const shown = procs.slice(0, max).map((p) => `pid ${p.pid} (${p.role})`);
  return shown.join(', ') + (procs.length > max ? `, and ${procs.length - max} more` : '');
}
