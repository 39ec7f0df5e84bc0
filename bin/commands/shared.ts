/** Helpers the subcommands share: opening a run's store, checking leases. */
import { buildContext, type RunContext } from '../../orchestrator/core/graph/context.js';
import { Draft, transact } from '../../orchestrator/core/run/draft.js';
import { resolveRunDir, runPaths, type RunPaths } from '../../orchestrator/run-dir/paths.js';
import { readRunPlan } from '../../orchestrator/run-dir/run-setup.js';
import { expireLeases } from '../../orchestrator/core/run/transitions.js';
import type { Plan } from '../../orchestrator/core/plan/plan-types.js';
import type { FileStateStore } from '../../state/store.js';
import { runStore } from '../../orchestrator/run-dir/run-store.js';
import { signalGroup } from '../../workers/os/process-groups.js';

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

/** Whoever touches the state checks leases: expired ones are requeued, their orphans ended. */
export async function checkLeases(run: OpenRun): Promise<void> {
  const d = new Draft(run.store.read(), Date.now());
  if (!expireLeases(d, run.ctx).length && !d.ops.length) return;
  const orphans = await transact(run.store, (dd) => expireLeases(dd, run.ctx));
  for (const pgid of orphans) signalGroup(pgid, 'SIGKILL');
}
