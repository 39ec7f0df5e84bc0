/**
 * `orchestrator control`: the control pane's process. It shows the run (a ControlView: the
 * plain live status view, later the dashboard), runs the keep-alive monitor over the quad
 * panes (restarting a dead or hung group in its own pane), and when the run is over shows the
 * summary and stays. A hangup (the session killed) ends it within a few seconds; if the
 * whole session is gone, the run is recorded as interrupted and nothing of it is left running.
 */
import { AlertSink } from '../../orchestrator/alerts/alert-sink.js';
import { buildContext } from '../../orchestrator/core/graph/context.js';
import { transact } from '../../orchestrator/core/run/draft.js';
import { KeepAlive } from '../../orchestrator/supervisors/keep-alive.js';
import { SupervisorProcess } from '../../orchestrator/supervisors/supervisor-process.js';
import { claimSeat, liveHolder, releaseSeat } from '../../orchestrator/supervisors/seats.js';
import { runStopped } from '../../orchestrator/core/run/group-transitions.js';
import { endStrayTasks } from '../../orchestrator/supervisors/worker-process.js';
import { CLI_JS, runPaths, type RunPaths } from '../../orchestrator/run-dir/paths.js';
import type { Plan } from '../../orchestrator/core/plan/plan-types.js';
import { exitCodeFor } from '../../orchestrator/core/text/report.js';
import { summaryLines } from '../../orchestrator/modes/run-progress.js';
import { readRunPlan } from '../../orchestrator/run-dir/run-setup.js';
import { runStore } from '../../orchestrator/run-dir/run-store.js';
import { EventTail } from '../../state/event-tail.js';
import type { State } from '../../state/schema.js';
import type { FileStateStore } from '../../state/store.js';
import { commandName } from '../../orchestrator/run-dir/command-name.js';
import { PlainStatusView, type ControlView } from './control-view.js';
import { formatEvent } from '../../orchestrator/core/text/event-line.js';
import { readRecord } from '../tmux/tmux-session-record.js';
import { TmuxSupervisor } from '../tmux/tmux-supervisor.js';
import { Tmux } from '../tmux/tmux.js';

export interface ControlRun {
  paths: RunPaths;
  plan: Plan;
  store: FileStateStore;
}

export interface ControlOptions {
  runDir: string;
  session?: string;
  socket?: string;
  /** Builds the view (default: the plain live status view). */
  view?: (run: ControlRun) => ControlView;
  /** Redraws at most this often (ms). */
  throttleMs?: number;
}

export async function controlMain(o: ControlOptions): Promise<number> {
  for (const st of [process.stdout, process.stderr]) st.on('error', () => undefined);
  const paths = runPaths(o.runDir);
  const store = runStore(paths);
  // The quad panes' supervisor is whoever holds the control seat (their marker, layout.ts): taken
  // first thing, and again while a predecessor this one replaced (a respawned pane) still had it.
  const holdSeat = () => {
    if (!liveHolder(paths.stateDir, 'control')) void claimSeat(paths.stateDir, store.lock, 'control').catch(() => undefined);
  };
  holdSeat();
  await store.open();
  const plan = readRunPlan(paths);
  const self = SupervisorProcess.withoutSeat();
  const ctx = buildContext(plan, store.read().meta.learned);
  // By id: the panes stay ours if the user renames the session.
  const tmux = await Tmux.fromEnv({ socket: o.socket, session: o.session }).pinned();
  const view = o.view?.({ paths, plan, store }) ?? new PlainStatusView(plan);
  const supervisor = new TmuxSupervisor(tmux, { node: process.execPath, cliJs: CLI_JS, runDir: paths.runDir, session: tmux.session, socket: tmux.socket }, plan.quads, paths);
  await supervisor.refresh().catch(() => undefined);
  const keepAlive = new KeepAlive({
    store, ctx, supervisor, intervalMs: plan.keepAliveIntervalMs,
    alerts: AlertSink.forRun(paths, plan),
    onAction: (line) => view.note(line),
  });
  // The groups were started by the launch: they get the start-up grace from then.
  const launchedAt = readRecord(paths)?.launchedAt ?? Date.now();
  for (const q of plan.quads) keepAlive.noteStarted(q.id, launchedAt);

  const tail = new EventTail(paths.events);
  const recent: string[] = [];
  let over = false;
  let timer: NodeJS.Timeout | undefined;
  let lastDraw = 0;
  const throttle = o.throttleMs ?? 200;
  const draw = () => {
    timer = undefined;
    lastDraw = Date.now();
    const fresh = tail.read().map((e) => formatEvent(e)).filter((l): l is string => !!l);
    recent.push(...fresh);
    recent.splice(0, Math.max(0, recent.length - 200));
    let s: State;
    try {
      s = store.read();
    } catch (e) {
      // A passing read failure (a compaction moving files) must not take the monitor down.
      view.note(`state not readable right now: ${(e as Error).message.split('\n')[0]}`);
      return;
    }
    view.update(s, recent, fresh);
    if (!over && s.meta.status !== 'running') {
      over = true;
      keepAlive.stop();
      clearInterval(refresher);
      view.summary(s, summaryLines(s, plan, paths, commandName('launch')));
      if (!process.stdout.isTTY) void leave(exitCodeFor(s));
    }
  };
  const soon = () => {
    if (!timer) timer = setTimeout(draw, Math.max(0, lastDraw + throttle - Date.now()));
  };
  const refresher = setInterval(() => {
    holdSeat();
    void supervisor.refresh().catch(() => undefined);
  }, Math.max(250, Math.floor(plan.keepAliveIntervalMs / 2)));
  const unwatch = store.watch(soon, 250);
  const clock = setInterval(soon, 1000);
  if (store.read().meta.status === 'running') keepAlive.start();
  draw();

  let finish!: (code: number) => void;
  const ended = new Promise<number>((r) => (finish = r));
  let leaving = false;
  async function leave(code: number, signal?: NodeJS.Signals): Promise<void> {
    if (leaving) return;
    leaving = true;
    keepAlive.stop();
    clearInterval(refresher);
    clearInterval(clock);
    clearTimeout(timer);
    unwatch();
    // Never hang on the way out.
    setTimeout(() => process.exit(code), 3000).unref();
    if (signal === 'SIGHUP' || signal === 'SIGTERM') {
      // The whole session went away (kill-session): the run is interrupted, not just unwatched.
      // Only on tmux's own answer: a slow server must not make us end the run's tasks.
      const gone = (await tmux.settledPresence(1000)) === 'gone';
      if (gone) {
        // Also done here for workers killed before they could do it themselves (the monitor
        // had no time to): their tasks are handed back and their task processes end.
        await transact(store, runStopped).catch(() => undefined);
        await endStrayTasks(paths.runDir, plan.agents.map((a) => a.name)).catch(() => undefined);
      }
    }
    view.close();
    releaseSeat(paths.stateDir, 'control');
    await store.close().catch(() => undefined);
    finish(code);
  }
  // It never closes the scaffold (its seat is released above): its process ends with the pane, so a
  // late signal (tmux hangs up twice) still finds the handler.
  self.onShutdown((sig) => void leave(130, sig));
  return ended;
}
