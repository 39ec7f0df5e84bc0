/**
 * Helpers the subcommands share: opening a run's store. (Read-only commands never expire
 * leases or signal anything: that is the keep-alive's and the workers' job, who know whose
 * processes they are.)
 */
import { buildContext, type RunContext } from '../../orchestrator/core/graph/context.js';
import { resolveRunDir, runPaths, type RunPaths } from '../../orchestrator/run-dir/paths.js';
import { readRunPlan } from '../../orchestrator/run-dir/run-setup.js';
import type { Plan } from '../../orchestrator/core/plan/plan-types.js';
import type { FileStateStore } from '../../state/store.js';
import { runStore } from '../../orchestrator/run-dir/run-store.js';

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
