/** Helpers the subcommands share: opening a run's store, running a transition as a transaction. */
import { buildContext, type RunContext } from '../../orchestrator/context.js';
import { Draft } from '../../orchestrator/draft.js';
import { resolveRunDir, runPaths, type RunPaths } from '../../orchestrator/paths.js';
import { readRunPlan } from '../../orchestrator/run-setup.js';
import { expireLeases } from '../../orchestrator/transitions.js';
import type { Plan } from '../../orchestrator/plan-types.js';
import type { FileStateStore } from '../../state/store.js';
import { runStore } from '../../orchestrator/run-store.js';
import { signalGroup } from '../../workers/process-groups.js';
import { UsageError } from '../../orchestrator/errors.js';
import { parseDuration } from '../../orchestrator/duration.js';

export interface OpenRun {
  paths: RunPaths;
  plan: Plan;
  ctx: RunContext;
  store: FileStateStore;
}

export async function openRun(runDirFlag?: string): Promise<OpenRun> {
  const paths = runPaths(resolveRunDir(runDirFlag));
  const store = runStore(paths);
  await store.open();
  const plan = readRunPlan(paths);
  return { paths, plan, ctx: buildContext(plan, store.read().meta.learned), store };
}

export function transition<R>(run: OpenRun, fn: (d: Draft) => R): Promise<R> {
  return run.store.transaction((s) => {
    const d = new Draft(s, Date.now());
    return d.result(fn(d));
  });
}

/** Whoever touches the state checks leases: expired ones are requeued, their orphans ended. */
export async function checkLeases(run: OpenRun): Promise<void> {
  const d = new Draft(run.store.read(), Date.now());
  if (!expireLeases(d, run.ctx).length && !d.ops.length) return;
  const orphans = await transition(run, (dd) => expireLeases(dd, run.ctx));
  for (const pgid of orphans) signalGroup(pgid, 'SIGKILL');
}

export function intOption(name: string, min: number, max: number): (v: string) => number {
  return (v: string) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`${name} must be an integer from ${min} to ${max}, got '${v}'`);
    return n;
  };
}

/** The keep-alive interval's range (issue 5: 10 s is the slowest allowed; the plan's keep_alive.interval has the same). */
export const INTERVAL_MIN_MS = 200;
export const INTERVAL_MAX_MS = 10_000;
export const INTERVAL_HELP = "keep-alive check interval, 200ms..10s (default: the plan's keep_alive.interval, 2s)";

/** --interval: a duration (500ms, 2s, or seconds as a number) from 200 ms to 10 s. */
export function intervalOption(v: string): number {
  const ms = parseDuration(/^\d+(\.\d+)?$/.test(v) ? Number(v) : v);
  if (ms === undefined || ms < INTERVAL_MIN_MS || ms > INTERVAL_MAX_MS) throw new UsageError(`--interval must be a duration from 200ms to 10s (e.g. 2s, 500ms), got '${v}'`);
  return ms;
}
