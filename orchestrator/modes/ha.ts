/**
 * High-availability mode (`orchestrator ha`, the seed's pattern 4). Three kinds of process:
 *   control  — this one: prepares the run, shows progress and the summary, stops everything on
 *              Ctrl-C / SIGTERM, and keeps the keep-alive monitor alive;
 *   keep-alive — `orchestrator keep-alive --with-control`: supervises the worker groups and
 *              keeps the control process alive (a new one takes over with `ha --control`);
 *   workers  — one per quad, restarted by the monitor.
 * Every process can be SIGKILLed at any moment without stopping the run: each singleton is
 * recorded in the state directory and watched by the other, workers are adopted by pid, and
 * all decisions live in the shared state.
 */
import { refuseWhileAlive } from '../supervisors/run-processes.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { spawn } from 'node:child_process';
import { keepAliveArgs, raiseAlert } from './keep-alive-main.js';
import { runPaths, type RunPaths } from '../run-dir/paths.js';
import type { Plan } from '../core/plan/plan-types.js';
import { liveHolder, SeatKeeper } from '../supervisors/seats.js';
import { SupervisorProcess } from '../supervisors/supervisor-process.js';
import { interrupt, WIND_DOWN_MS } from './run.js';
import { followProgress, printSummary, type Progress } from './run-progress.js';
import { prepareRun, readRunPlan, type RunOptions } from '../run-dir/run-setup.js';
import { runGoingOn, runStore } from '../run-dir/run-store.js';
import { isRunWorker } from '../supervisors/worker-process.js';
import type { FileStateStore } from '../../state/store.js';
import { descendants, killNow } from '../../workers/os/process-tree.js';

export interface HaOptions extends RunOptions {
  /** Take over as the control process of a run already going (started by the monitor). */
  control?: boolean;
  out?: NodeJS.WriteStream;
}


/** Live worker processes of the run, by the pids the state records. */
function liveWorkers(store: FileStateStore, runDir: string): number[] {
  try {
    return Object.values(store.read().groups)
      .filter((g) => g.pid !== undefined && isRunWorker(g.pid, runDir, g.quad))
      .map((g) => g.pid!);
  } catch {
    return [];
  }
}

export async function haMain(o: HaOptions): Promise<number> {
  const out = o.out ?? process.stdout;
  const say = (line: string) => out.write(line + '\n');
  if (o.control) {
    const paths = runPaths(o.runDir);
    const store = runStore(paths);
    await store.open();
    return controlMain(store, readRunPlan(paths), paths, o, say, out);
  }
  // Starting over under a live run would let its workers report into the new state.
  if (o.fresh) refuseWhileAlive(runPaths(o.runDir), 'start over (--fresh)');
  const run = await prepareRun(o);
  if (run.movedAside) say(`previous state moved to ${run.movedAside}`);
  for (const note of run.notes) say(note);
  const s = run.store.read();
  say(`${run.resumed ? 'resuming' : 'starting'} ${run.plan.name} in high-availability mode: ${Object.keys(s.tasks).length} tasks, ${run.plan.agents.length} agents in ${run.plan.quads.length} quads, run dir ${run.paths.runDir}`);
  if (s.meta.status === 'finished') {
    say('every task is already done (use --fresh to run again)');
    const code = printSummary(run.store, run.plan, run.paths, say);
    await run.store.close();
    return code;
  }
  return controlMain(run.store, run.plan, run.paths, o, say, out);
}

async function controlMain(store: FileStateStore, plan: Plan, paths: RunPaths, o: HaOptions, say: (l: string) => void, out: NodeJS.WriteStream): Promise<number> {
  const started = await SupervisorProcess.start({ stateDir: paths.stateDir, lock: store.lock, seat: 'control' });
  if (!started.ok) {
    say(`the run in ${paths.runDir} already has a control process (pid ${started.holder.pid})`);
    await store.close();
    return 0;
  }
  const self = started.process;
  const stopping = () => self.signal !== undefined;
  let progress: Progress | undefined;
  const monitor = new SeatKeeper({
    stateDir: paths.stateDir, seat: 'keep-alive', wanted: () => !stopping() && runGoingOn(store),
    spawn: () => spawn(process.execPath, keepAliveArgs(paths.runDir, true, o.intervalMs), { stdio: ['ignore', 'inherit', 'inherit'] }),
    onRestart: (pid) => {
      (progress?.say ?? say)(`keep-alive monitor was gone; started a new one (pid ${pid ?? '?'})`);
      void raiseAlert(store, { level: 'warning', kind: 'keep-alive-restarted', message: `the keep-alive monitor died; restarted it (pid ${pid ?? '?'})` }).catch(() => undefined);
    },
  });
  // Watching the monitor comes first: this process may be killed right after taking over.
  monitor.start(o.control === true);
  if (o.control) say(`control process restarted (pid ${process.pid}); following the run`);
  progress = followProgress(store, paths, plan, out);

  let stopDeadline: number | undefined;
  self.onShutdown(() => {
    monitor.stop();
    progress?.say('stopping: ending every task, worker and the monitor…');
    stopDeadline = Date.now() + 5000;
    void interrupt(store).catch(() => undefined);
    const ka = liveHolder(paths.stateDir, 'keep-alive')?.pid;
    for (const pid of [...(ka ? [ka] : []), ...liveWorkers(store, paths.runDir)]) {
      try {
        process.kill(pid, 'SIGTERM');
      } catch {
        // Gone meanwhile.
      }
    }
  });

  let overSince: number | undefined;
  for (;;) {
    await sleep(100);
    if (!stopping() && runGoingOn(store)) continue;
    const left = [...liveWorkers(store, paths.runDir), ...(monitor.alive() ? [monitor.pid()!] : [])].filter((p) => p !== undefined);
    if (!left.length) break;
    overSince ??= Date.now();
    const deadline = stopDeadline ?? overSince + 2 * WIND_DOWN_MS;
    if (Date.now() > deadline) {
      killNow(descendants(left));
      break;
    }
  }
  await self.close(monitor);
  progress.stop();
  const code = printSummary(store, plan, paths, say);
  await store.close();
  return code;
}
