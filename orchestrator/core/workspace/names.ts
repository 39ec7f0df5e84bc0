/**
 * Names in worktree mode: the integration branch, each task's branch and worktree folder. A
 * task branch lives under `orchestrator-tasks/<plan>/`, never under the integration branch's
 * own name: git cannot hold a branch `orchestrator/x` and a folder of branches `orchestrator/x/`.
 */
import { join } from 'node:path';

export const TASK_BRANCH_PREFIX = 'orchestrator-tasks';

/** The default integration branch of a plan. */
export function defaultIntegration(planName: string): string {
  return `orchestrator/${refSafe(planName)}`;
}

/** `orchestrator-tasks/<plan>/<task>` (task ids are already ref-safe: [A-Za-z][A-Za-z0-9_.-]*). */
export function taskBranch(planName: string, taskId: string): string {
  return `${taskBranchPrefix(planName)}${refSafe(taskId)}`;
}

/** The prefix every task branch of a plan starts with (for listing and cleaning them up). */
export function taskBranchPrefix(planName: string): string {
  return `${TASK_BRANCH_PREFIX}/${refSafe(planName)}/`;
}

/** Where a task's worktree lives: a folder of the run's state directory. */
export function worktreePath(stateDir: string, taskId: string): string {
  return join(worktreesDir(stateDir), taskId);
}

export function worktreesDir(stateDir: string): string {
  return join(stateDir, 'worktrees');
}

/**
 * A plan name as one ref path component: what `git check-ref-format` refuses (spaces, `..`,
 * `~^:?*[\`, control characters, a leading dot or dash, a trailing `.lock` or dot) becomes `-`.
 */
export function refSafe(name: string): string {
  const s = name
    .replace(/[\x00-\x20\x7f~^:?*[\\]+/g, '-')
    .replace(/\.{2,}/g, '-')
    .replace(/@\{/g, '-')
    .replace(/\/+/g, '-')
    .replace(/^[.-]+/, '')
    .replace(/(\.lock|\.)+$/i, '');
  return s || 'plan';
}

/**
 * Problems with a branch name given in a plan (`integration:`), as git's check-ref-format rules
 * (the common ones); undefined when it is fine.
 */
export function branchNameProblem(name: string): string | undefined {
  if (!name) return 'must not be empty';
  if (/[\x00-\x20\x7f~^:?*[\\]/.test(name)) return 'must not contain spaces or any of ~ ^ : ? * [ \\';
  if (name.includes('..') || name.includes('@{') || name.includes('//')) return "must not contain '..', '@{' or '//'";
  if (name.startsWith('/') || name.endsWith('/') || name.endsWith('.') || name.startsWith('-')) return "must not start with '/' or '-' or end with '/' or '.'";
  if (name.split('/').some((c) => c.startsWith('.') || c.endsWith('.lock'))) return "no part may start with '.' or end with '.lock'";
  if (name === '@') return "must not be '@'";
  if (name.startsWith(`${TASK_BRANCH_PREFIX}/`)) return `must not be under ${TASK_BRANCH_PREFIX}/ (the task branches live there)`;
  return undefined;
}
