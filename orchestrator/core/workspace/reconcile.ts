/**
 * What to do with a task's branch when an agent claims the task: the decision that makes a
 * worker killed at any point lose nothing and merge nothing twice. Pure: the git facts are
 * gathered by workers/git/task-workspace.ts.
 *
 * - no branch: create the worktree from the integration tip;
 * - the branch tip is this task's commit (same definition hash) and already in the
 *   integration branch: a merge was made but not recorded; record it, run nothing;
 * - the branch tip is this task's commit, not merged: the commit was made (verified work);
 *   merge it, do not run the task again;
 * - anything else (no commit yet: the attempt died before committing; or a commit of an older
 *   definition): start over from a fresh worktree on the current integration tip.
 */

export interface BranchFacts {
  /** The branch's tip, when the branch exists. */
  tip?: string;
  /** The task trailers of the tip commit, when it has them. */
  mark?: { task: string; hash?: string };
  /** Is the tip in the integration branch's history? */
  merged: boolean;
}

export type Reconcile =
  | { action: 'create' }
  | { action: 'recreate'; why: string }
  | { action: 'merge'; commit: string }
  | { action: 'merged'; commit: string };

export function reconcileBranch(taskId: string, hash: string, f: BranchFacts): Reconcile {
  if (!f.tip) return { action: 'create' };
  const ours = f.mark?.task === taskId && f.mark.hash === hash;
  if (!ours) {
    const why = f.mark?.task === taskId ? 'its commit is of an older definition' : 'no commit was made';
    return { action: 'recreate', why };
  }
  return f.merged ? { action: 'merged', commit: f.tip } : { action: 'merge', commit: f.tip };
}

/** Of `git rev-list --parents` lines (`<merge> <p1> <p2>…`), the merge whose second parent is `commit`. */
export function findMergeOf(revListParents: string, commit: string): string | undefined {
  for (const line of revListParents.split('\n')) {
    const [merge, , second] = line.trim().split(/\s+/);
    if (merge && second === commit) return merge;
  }
  return undefined;
}
