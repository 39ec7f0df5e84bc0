/**
 * `orchestrator stop`: ends the quad session and every process tree it started, even a wedged
 * one. The trees are collected (pane processes, live or recorded at launch/respawn, and all
 * their descendants) before the session is killed; the panes' own SIGHUP handling gets a grace
 * period to end their task groups cleanly, then whatever is left is SIGKILLed, by pid and by
 * process group. Last, the run's state records the stop so `launch`/`run` resume cleanly.
 */
import type { RunPaths } from '../../orchestrator/run-dir/paths.js';
import { transact } from '../../orchestrator/core/run/draft.js';
import { runStopped } from '../../orchestrator/core/run/group-transitions.js';
import { runStore } from '../../orchestrator/run-dir/run-store.js';
import { FileStateStore } from '../../state/store.js';
import { descendants, endProcesses, groupIsOurs, readProcTable, signalProcess, stillRunning, type Proc } from '../../workers/os/process-tree.js';
import { runPaths } from '../../orchestrator/run-dir/paths.js';
import { runProcesses } from '../../orchestrator/supervisors/run-processes.js';
import type { ProcessGroupRef } from '../../orchestrator/core/run/process-group-ref.js';
import { RUN_DIR_OPTION } from './layout.js';
import { readRecord, removeRecord } from './tmux-session-record.js';
import { Tmux } from './tmux.js';

export interface StopOptions {
  paths: RunPaths;
  session?: string;
  socket?: string;
  /** How long pane processes get to end their own work after the hangup. */
  graceMs?: number;
  say?: (line: string) => void;
  env?: NodeJS.ProcessEnv;
}

/**
 * Which session: flags, then the environment, then what the launch in this run dir recorded.
 * The recorded session is found by its id even after a rename — when that id still names a
 * session of this run (a restarted tmux server reuses ids).
 */
export async function stopTarget(o: StopOptions): Promise<Tmux> {
  const rec = readRecord(o.paths);
  const tmux = Tmux.fromEnv(o, o.env, rec ?? {});
  if (!rec?.sessionId || rec.session !== tmux.session || (rec.socket ?? undefined) !== tmux.socket) return tmux;
  const byId = tmux.withSessionId(rec.sessionId);
  const runDir = await byId.sessionOption(RUN_DIR_OPTION).catch(() => undefined);
  return runDir === o.paths.runDir ? byId : tmux;
}

/** Task process groups the run's state says are running (they outlive a SIGKILLed worker), with their leaders' start times. */
async function runningTaskGroups(paths: RunPaths): Promise<ProcessGroupRef[]> {
  if (!FileStateStore.exists(paths.stateDir)) return [];
  const store = runStore(paths);
  try {
    await store.open();
    return Object.values(store.read().tasks).flatMap((t) => (t.status === 'running' && t.pgid ? [{ pgid: t.pgid, start: t.pgidStart }] : []));
  } catch {
    return [];
  } finally {
    await store.close().catch(() => undefined);
  }
}

/** The run was stopped from outside: groups stopped, running tasks handed back, run interrupted. */
export async function recordStop(paths: RunPaths): Promise<void> {
  if (!FileStateStore.exists(paths.stateDir)) return;
  const store = runStore(paths);
  try {
    await store.open();
    if (store.read().meta.status !== 'running') return;
    await transact(store, runStopped);
  } finally {
    await store.close().catch(() => undefined);
  }
}

export async function stopMain(opts: StopOptions): Promise<number> {
  const say = opts.say ?? ((l: string) => process.stdout.write(l + '\n'));
  const tmux = await stopTarget(opts);
  let o = opts;
  let hadSession = false;
  let panePids: number[] = [];
  try {
    hadSession = await tmux.hasSession();
    if (hadSession) {
      panePids = (await tmux.panes()).filter((p) => !p.dead && p.pid > 0).map((p) => p.pid);
      // The session knows its run: stop that one, wherever this command was run from.
      const runDir = await tmux.sessionOption(RUN_DIR_OPTION);
      if (runDir && runDir !== o.paths.runDir) o = { ...o, paths: runPaths(runDir) };
    }
  } catch {
    // tmux itself is gone (uninstalled?): the recorded processes can still be ended.
  }
  const rec = readRecord(o.paths);
  const sameSession = !!rec && rec.session === tmux.session && (rec.socket ?? undefined) === tmux.socket;
  const recorded = sameSession && rec ? rec.procs.filter(stillRunning).map((p) => p.pid) : [];
  const table = readProcTable();
  // Every process of this run, tmux or not: a single-terminal run, its workers left alone by
  // a SIGKILLed `run`, tasks whose worker died, daemonised grandchildren (run-processes.ts).
  const runProcs = runProcesses(o.paths, table);
  const roots = [...new Set([...panePids, ...recorded, ...runProcs.map((p) => p.pid)])];
  const procs: Proc[] = descendants(roots, table).filter((p) => !p.zombie);
  const ours = hadSession || sameSession || runProcs.length > 0;
  // Only groups whose recorded leader still lives (same start time): a reused id is not ours.
  const pgids = ours ? (await runningTaskGroups(o.paths)).filter(groupIsOurs).map((g) => g.pgid) : [];

  if (hadSession) await tmux.killSession();
  else for (const pid of recorded) signalProcess(pid, 'SIGTERM');
  // Supervisors first (so nothing is restarted), then workers (they hand their tasks back);
  // tasks are ended by their workers, or after the grace.
  for (const kind of ['supervisor', 'worker'] as const) for (const p of runProcs) if (p.kind === kind && stillRunning(p)) signalProcess(p.pid, 'SIGTERM');
  const res = await endProcesses(procs, { graceMs: o.graceMs ?? 4000, pgids });
  if (ours) await recordStop(o.paths).catch((e) => say(`note: could not record the stop in the run state: ${(e as Error).message}`));
  if (ours) removeRecord(o.paths);

  if (!hadSession && !procs.length) {
    say(`no tmux session '${tmux.session}'${tmux.socket ? ` on socket ${tmux.socket}` : ''} is running, and no process of it is left`);
    return 0;
  }
  const what = hadSession ? ` tmux session '${tmux.session}'` : sameSession ? ' the leftovers of the session' : ` the run in ${o.paths.runDir}`;
  say(`stopped${what}: ${procs.length} processes ended${res.forced ? ` (${res.forced} did not stop in time and were killed)` : ''}`);
  if (res.survivors.length) {
    say(`warning: still running: ${res.survivors.map((p) => p.pid).join(', ')}`);
    return 1;
  }
  return 0;
}
