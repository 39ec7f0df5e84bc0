/**
 * Single-terminal mode (`orchestrator run`): the worker groups as child processes of this one,
 * watched by the keep-alive monitor (a crashed or hung group is restarted with backoff, its
 * tasks requeued at once), progress as one line per event (with a live bar on a TTY), a summary
 * at the end. Ctrl-C / SIGTERM stops every worker and task tree (no restarts from then on),
 * records the interruption, exits 130.
 */
import { runPaths } from '../run-dir/paths.js';
import { refuseWhileAlive } from '../supervisors/run-processes.js';
import { statfsSync } from 'node:fs';
import { AlertSink } from '../alerts/alert-sink.js';
import { ChildSupervisor } from '../supervisors/child-supervisor.js';
import { transact } from '../core/run/draft.js';
import { DiskError, UsageError } from '../core/errors.js';
import { DISK_FULL_EXIT, DISK_READONLY_EXIT } from '../supervisors/worker-process.js';
import { KeepAlive } from '../supervisors/keep-alive.js';
import { interruptRun } from '../core/run/lifecycle.js';
import { SupervisorProcess } from '../supervisors/supervisor-process.js';
import { runStopped } from '../core/run/group-transitions.js';
import { followProgress, printSummary } from './run-progress.js';
import { prepareRun, type RunOptions } from '../run-dir/run-setup.js';
import type { State } from '../../state/schema.js';
import type { FileStateStore } from '../../state/store.js';

export interface RunMainOptions extends RunOptions {
  out?: NodeJS.WriteStream;
}

/** After the run is over, workers get this long to leave on their own before they are stopped. */
export const WIND_DOWN_MS = 10_000;

/** A sleep that wake() cuts short. */
class Pause {
  private early: (() => void) | undefined;

  for(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => this.end(), ms);
      this.early = () => {
        clearTimeout(t);
        this.early = undefined;
        resolve();
      };
    });
  }

  wake(): void {
    this.end();
  }

  private end(): void {
    this.early?.();
  }
}

/** Next to no space left where the state lives (statfs: under 64 KB for us). */
function diskFull(dir: string): boolean {
  try {
    const s = statfsSync(dir);
    return s.bavail * s.bsize < 64 * 1024;
  } catch {
    return false;
  }
}

export async function interrupt(store: FileStateStore, reason?: string): Promise<void> {
  await transact(store, (d) => interruptRun(d, reason));
}

export async function runMain(o: RunMainOptions): Promise<number> {
  const out = o.out ?? process.stdout;
  // Starting over under a live run would let its workers report into the new state.
  if (o.fresh) refuseWhileAlive(runPaths(o.runDir), 'start over (--fresh)');
  const run = await prepareRun(o);
  const { plan, store, paths, ctx } = run;
  const say = (line: string) => out.write(line + '\n');
  if (run.movedAside) say(`previous state moved to ${run.movedAside}`);
  for (const note of run.notes) say(note);
  const first = store.read();
  say(`${run.resumed ? 'resuming' : 'starting'} ${plan.name}: ${Object.keys(first.tasks).length} tasks, ${plan.agents.length} agents in ${plan.quads.length} quads, run dir ${paths.runDir}`);
  if (first.meta.status === 'finished') {
    say('every task is already done (use --fresh to run again)');
    return finish(run, say);
  }
  const started = await SupervisorProcess.start({ stateDir: paths.stateDir, lock: store.lock, seat: 'keep-alive' });
  if (!started.ok) throw new UsageError(`a keep-alive monitor (pid ${started.holder.pid}) already supervises ${paths.runDir}; stop it first or use another --run-dir`);
  const self = started.process;

  const progress = followProgress(store, paths, plan, out);
  const intervalMs = plan.keepAliveIntervalMs; // --interval, when given, is already in the plan
  const pause = new Pause();
  let diskStop: DiskError | undefined;
  let diskRecorded: Promise<boolean> = Promise.resolve(true);
  const supervisor = new ChildSupervisor(paths.runDir, (_quad, code) => {
    if (code === DISK_FULL_EXIT || code === DISK_READONLY_EXIT) onDisk(new DiskError(code === DISK_FULL_EXIT ? 'full' : 'read-only', paths.stateDir, code === DISK_FULL_EXIT ? 'ENOSPC' : 'EROFS'));
    // A group that failed otherwise while the disk is full (e.g. on a journal line the full disk tore) would fail again.
    else if (code !== undefined && code !== 0 && code !== 130 && diskFull(paths.stateDir)) onDisk(new DiskError('full', paths.stateDir, 'ENOSPC'));
    else monitor.tickSoon();
    pause.wake(); // the last worker leaving ends the run now, not at the next look
  });
  const monitor: KeepAlive = new KeepAlive({
    store, ctx, supervisor, intervalMs, launch: true,
    alerts: AlertSink.forRun(paths, plan),
    onAction: (line) => progress.say(`keep-alive: ${line}`),
  });

  // A group could not write the state (the disk is full or read-only): restarting it cannot
  // help. Stop everything, record why if the disk still lets us, and say so.
  const onDisk = (e: DiskError) => {
    if (diskStop || self.signal) return;
    diskStop = e;
    monitor.stop();
    progress.say(`stopping: ${e.message}`);
    diskRecorded = interrupt(store, e.message).then(() => true, () => false);
    void supervisor.stopAll(5000);
  };
  self.onShutdown(() => {
    monitor.stop();
    progress.say('stopping: ending every task and worker…');
    void interrupt(store).catch(() => undefined);
    void supervisor.stopAll(5000);
  });

  monitor.start();
  await waitForEnd(store, supervisor, monitor, () => self.signal !== undefined || diskStop !== undefined, 2 * intervalMs + 1000, pause);
  // Every worker is gone now. One killed before it handed its tasks back (a second Ctrl-C, a
  // SIGKILL) left them and its group as running: settle them, so a stop always leaves a
  // consistent state (no task or group running, interrupted tasks requeued without using a retry).
  if (self.signal !== undefined) await transact(store, runStopped).catch(() => undefined);
  // A full or read-only disk may refuse even releasing the seat; it is free once we exit.
  await self.close(monitor).catch(() => undefined);
  progress.stop();
  const recorded = await diskRecorded;
  const code = finish(run, say);
  if (!diskStop) return code;
  if (!recorded) say('(the disk refused even recording the interruption: the state still says running, which is fine; `orchestrator run` takes over from there)');
  say(`error: ${diskStop.message}`);
  return diskStop.kind === 'full' ? 130 : 2;
}

/**
 * The run is over when its state says so and every worker has left (stragglers are stopped
 * after WIND_DOWN_MS). While it is running, it ends early only when no worker is alive and the
 * monitor has nothing to start for a while (every group given up or stopped).
 */
async function waitForEnd(store: FileStateStore, supervisor: ChildSupervisor, monitor: KeepAlive, interrupted: () => boolean, idleMs: number, pause: Pause): Promise<void> {
  let overSince: number | undefined;
  let idleSince: number | undefined;
  for (;;) {
    await pause.for(100);
    const alive = supervisor.anyAlive();
    let s: State | undefined;
    try {
      s = store.read();
    } catch {
      // Being recovered by the monitor: look again.
    }
    if (interrupted() || (s && s.meta.status !== 'running')) {
      if (!alive) return;
      overSince ??= Date.now();
      if (Date.now() - overSince > WIND_DOWN_MS) return void (await supervisor.stopAll(2000));
      continue;
    }
    const waiting = !s || Object.values(s.groups).some((g) => g.status === 'starting' && g.pid === undefined);
    if (alive || monitor.restartsPending() || waiting) idleSince = undefined;
    else if (Date.now() - (idleSince ??= Date.now()) > idleMs) return void (await interrupt(store).catch(() => undefined));
  }
}

function finish(run: Awaited<ReturnType<typeof prepareRun>>, say: (l: string) => void): number {
  const code = printSummary(run.store, run.plan, run.paths, say);
  void run.store.close();
  return code;
}
