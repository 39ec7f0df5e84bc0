/**
 * `orchestrator keep-alive`: the monitor as its own process. It adopts the run's live worker
 * groups (by pid, so it can itself be restarted at any time without disturbing them), starts
 * those that never started, restarts crashed or hung ones, and leaves when the run is over and
 * its groups have gone. With `withControl` (high-availability mode, started by `orchestrator
 * ha`) it also keeps the control process alive, which in turn keeps this one alive.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { spawn } from 'node:child_process';
import { AlertSink } from '../alerts/alert-sink.js';
import { ChildSupervisor } from '../supervisors/child-supervisor.js';
import { buildContext } from '../core/graph/context.js';
import { transact } from '../core/run/draft.js';
import { KeepAlive } from '../supervisors/keep-alive.js';
import { CLI_JS, runPaths } from '../run-dir/paths.js';
import { SeatKeeper } from '../supervisors/seats.js';
import { SupervisorProcess } from '../supervisors/supervisor-process.js';
import { WIND_DOWN_MS } from './run.js';
import { readRunPlan } from '../run-dir/run-setup.js';
import { runGoingOn, runStore } from '../run-dir/run-store.js';
import type { FileStateStore } from '../../state/store.js';
import type { Alert } from '../../state/schema.js';

export interface KeepAliveMainOptions {
  runDir: string;
  /** Default: the plan's keep_alive.interval. */
  intervalMs?: number;
  withControl?: boolean;
  out?: NodeJS.WritableStream;
}

export function keepAliveArgs(runDir: string, withControl: boolean, intervalMs?: number): string[] {
  return [CLI_JS, 'keep-alive', '--run-dir', runDir, ...(intervalMs ? ['--interval', `${intervalMs}ms`] : []), ...(withControl ? ['--with-control'] : [])];
}

export function controlArgs(runDir: string, intervalMs?: number): string[] {
  return [CLI_JS, 'ha', '--control', '--run-dir', runDir, ...(intervalMs ? ['--interval', `${intervalMs}ms`] : [])];
}

export async function raiseAlert(store: FileStateStore, a: Omit<Alert, 'at'>): Promise<void> {
  await transact(store, (d) => d.alert(a));
}


export async function keepAliveMain(o: KeepAliveMainOptions): Promise<number> {
  const out = o.out ?? process.stdout;
  const paths = runPaths(o.runDir);
  const plan = readRunPlan(paths);
  const store = runStore(paths);
  await store.open();
  const say = (line: string) => {
    if (!o.withControl) out.write(`${new Date().toISOString().slice(11, 23)} keep-alive: ${line}\n`);
  };
  const started = await SupervisorProcess.start({ stateDir: paths.stateDir, lock: store.lock, seat: 'keep-alive' });
  if (!started.ok) {
    say(`${paths.runDir} is already supervised by pid ${started.holder.pid}; leaving`);
    await store.close();
    return 0;
  }
  const self = started.process;
  const stopping = () => self.signal !== undefined;
  const sink = AlertSink.forRun(paths, plan);
  const control = o.withControl
    ? new SeatKeeper({
        stateDir: paths.stateDir, seat: 'control', wanted: () => !stopping() && runGoingOn(store),
        spawn: () => spawn(process.execPath, controlArgs(paths.runDir, o.intervalMs), { stdio: ['ignore', 'inherit', 'inherit'] }),
        onRestart: (pid) => {
          sink.log(`control process was gone; started a new one (pid ${pid ?? '?'})`);
          void raiseAlert(store, { level: 'warning', kind: 'control-restarted', message: `the control process died; restarted it (pid ${pid ?? '?'})` }).catch(() => undefined);
        },
      })
    : undefined;
  // Watching the control process comes first: this process may be killed right after taking over.
  control?.start(true);
  const ctx = buildContext(plan, store.read().meta.learned);
  const intervalMs = o.intervalMs ?? plan.keepAliveIntervalMs;
  const supervisor = new ChildSupervisor(paths.runDir, () => monitor.tickSoon());
  const adopted = supervisor.adoptLive(store.read(), plan.quads.map((q) => q.id));
  const hello = `pid ${process.pid} watching ${paths.runDir} every ${intervalMs} ms${adopted.length ? `; adopted quads ${adopted.join(', ')}` : ''}`;
  sink.log(hello);
  say(hello);
  const monitor: KeepAlive = new KeepAlive({
    store, ctx, supervisor, intervalMs, alerts: sink, launch: true,
    onAction: (line) => {
      sink.log(line);
      say(line);
    },
  });
  self.onShutdown((sig) => {
    // No restarts from now on; the workers handle the same signal (or the control stops them).
    monitor.stop();
    control?.stop();
    sink.log(`${sig}: monitor stopping`);
  });

  monitor.start();
  let overSince: number | undefined;
  while (!stopping()) {
    await sleep(100);
    if (runGoingOn(store)) {
      overSince = undefined;
      continue;
    }
    if (!supervisor.anyAlive()) break;
    overSince ??= Date.now();
    if (Date.now() - overSince > WIND_DOWN_MS) {
      sink.log('run over but groups still alive; stopping them');
      await supervisor.stopAll(2000);
      break;
    }
  }
  const leavingBecauseOver = !stopping();
  await self.close(monitor, control);
  if (leavingBecauseOver) sink.log('run over; monitor leaving');
  await store.close();
  return 0;
}
