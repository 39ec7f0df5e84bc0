/**
 * Helpers the subcommands share: opening a run's store. (Read-only commands never expire
 * leases or signal anything: that is the keep-alive's and the workers' job, who know whose
 * processes they are.)
 */
import { buildContext, type RunContext } from '../../orchestrator/core/graph/context.js';
import { resolveRunDir, runPaths, type RunPaths } from '../../orchestrator/run-dir/paths.js';
import { readRunPlan } from '../../orchestrator/run-dir/run-setup.js';
import type { Plan } from '../../orchestrator/core/plan/plan-types.js';
import { FileStateStore } from '../../state/store.js';
import { runStore } from '../../orchestrator/run-dir/run-store.js';
import { signalGroup } from '../../workers/os/process-groups.js';
import { commandName } from '../../orchestrator/run-dir/command-name.js';
import { StateError } from '../../state/errors.js';
import { leftoverFiles } from '../../state/snapshot.js';

export interface OpenRun {
  paths: RunPaths;
  plan: Plan;
  ctx: RunContext;
  store: FileStateStore;
}

export async function openRun(runDirFlag?: string): Promise<OpenRun> {
  const paths = runPaths(resolveRunDir(runDirFlag));
  // A missing snapshot beside a journal or backup is a damaged run (the store says so and points
  // to `state recover`), not the absence of one.
  if (!FileStateStore.exists(paths.stateDir) && !leftoverFiles(paths.stateDir).length) {
    throw new StateError(`no run in ${paths.runDir}`, `Start one with ${commandName('run')} or ${commandName('launch')}, or name its directory with --run-dir.`);
  }
  const store = runStore(paths);
  await store.open();
  const plan = readRunPlan(paths);
  return { paths, plan, ctx: buildContext(plan, store.read().meta.learned), store };
}
