/**
 * Worktree mode at the start of a run: git checked, the repository found or created, the run's
 * files excluded from it, and on a fresh run the previous run's worktrees and task branches
 * removed and the integration branch set to HEAD. Returns the lines to tell the user.
 */
import { resolve } from 'node:path';
import { PlanError } from '../core/errors.js';
import { workspaceProblem } from './load-plan.js';
import type { Plan } from '../core/plan/plan-types.js';
import type { RunPaths } from './paths.js';
import { checkGitVersion, checkIntegration, excludeRunFiles, openRunRepo, removedText, removeRunWorkspaces, startIntegration } from './git-repo.js';

export interface RunWorkspace {
  /** The plan with `git.repo` resolved (what the run's plan copy holds). */
  plan: Plan;
  notes: string[];
}

/**
 * `fresh`: the state is about to be created anew (first run, --fresh). Runs before an old state
 * is moved aside, so the worktrees inside it are still where git registered them.
 */
export async function prepareWorkspace(plan: Plan, paths: RunPaths, fresh: boolean, oldPlanName?: string): Promise<RunWorkspace> {
  const g = plan.git;
  if (!g) return { plan, notes: [] };
  await checkGitVersion();
  const workdir = resolve(paths.runDir, plan.workdir);
  const repo = await openRunRepo(workdir, g, (message) => new PlanError([workspaceProblem(plan.file, message)]));
  await excludeRunFiles(repo, [paths.stateDir, paths.logsDir]);
  const notes: string[] = [];
  if (fresh) {
    for (const name of new Set([oldPlanName ?? plan.name, plan.name])) {
      const removed = removedText(await removeRunWorkspaces(repo.top, name, paths.stateDir));
      if (removed) notes.push(removed);
    }
    notes.push(await startIntegration(repo, g));
  } else {
    await checkIntegration(repo, g);
  }
  return { plan: { ...plan, git: { ...g, repo } }, notes };
}
