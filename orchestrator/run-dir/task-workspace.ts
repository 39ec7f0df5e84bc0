/**
 * One task's git worktree: made on claim (or reconciled with what an earlier, killed attempt
 * left), committed when the task succeeded, merged into the integration branch without any
 * working tree (merge-tree --write-tree, commit-tree, update-ref as a compare-and-swap), and
 * removed once merged. Merges serialise on the ref itself: an update-ref whose expected old
 * value is no longer the tip fails, and the merge is computed again on the new tip.
 */
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { GitSettings } from '../core/plan/plan-types.js';
import { commitObjectMessage, mergeCommitMessage, readTaskMark, taskCommitMessage } from '../core/workspace/commit-message.js';
import { conflictMessage, conflictTasks, parseMergeTree, tasksByPath } from '../core/workspace/conflict.js';
import { taskBranch, worktreePath } from '../core/workspace/names.js';
import { findMergeOf, reconcileBranch, type Reconcile } from '../core/workspace/reconcile.js';
import { git, GitError, gitOut, identityEnv, revParse } from '../../workers/git/git.js';
import type { RunRepo } from './git-repo.js';

export type Prepared =
  | { kind: 'run'; path: string; cwd: string; base: string; baseTree: string; recreated?: string }
  | { kind: 'merge'; commit: string }
  | { kind: 'merged'; commit: string; merge: string };

export type MergeOutcome = { merged: true; merge: string; already: boolean } | { merged: false; reason: string; with: string[]; paths: string[] };

/** How many times a merge is computed again because another one moved the integration tip first. */
const MAX_MERGE_TRIES = 200;

export class TaskWorkspaces {
  private readonly env: Record<string, string>;

  constructor(readonly repo: RunRepo, readonly planName: string, readonly stateDir: string, readonly settings: GitSettings) {
    this.env = identityEnv(settings.author);
  }

  branch(id: string): string {
    return taskBranch(this.planName, id);
  }

  path(id: string): string {
    return worktreePath(this.stateDir, id);
  }

  private get integrationRef(): string {
    return `refs/heads/${this.settings.integration}`;
  }

  /**
   * The tips (commit and tree) of the task's branch and of the integration branch, in one git
   * call: every spawned git costs a few milliseconds, so the common path is kept to few of them.
   */
  private async tips(id: string): Promise<{ branch?: string; integration?: { commit: string; tree: string } }> {
    const refs = [`refs/heads/${this.branch(id)}`, this.integrationRef];
    const out = await gitOut(this.repo.top, ['for-each-ref', '--format=%(refname) %(objectname) %(tree)', ...refs]);
    const got = new Map(out.split('\n').filter(Boolean).map((l) => l.split(' ') as [string, string, string]).map(([r, c, t]) => [r, { commit: c, tree: t }]));
    return { branch: got.get(refs[0]!)?.commit, integration: got.get(refs[1]!) };
  }

  /** The git facts about a task's branch, and what to do with them. */
  async reconcile(id: string, hash: string, tip?: string): Promise<Reconcile> {
    const top = this.repo.top;
    if (!tip) return reconcileBranch(id, hash, { merged: false });
    const mark = readTaskMark(commitObjectMessage(await gitOut(top, ['cat-file', 'commit', tip])));
    const merged = (await git(top, ['merge-base', '--is-ancestor', tip, this.integrationRef])).code === 0;
    return reconcileBranch(id, hash, { tip, mark, merged });
  }

  /** Makes the task's worktree ready to run in, or says its work is already committed or merged. */
  async prepare(id: string, hash: string): Promise<Prepared> {
    const t = await this.tips(id);
    const r = await this.reconcile(id, hash, t.branch);
    if (r.action === 'merge') return { kind: 'merge', commit: r.commit };
    if (r.action === 'merged') return { kind: 'merged', commit: r.commit, merge: (await this.findMerge(r.commit)) ?? r.commit };
    const path = this.path(id);
    if (r.action === 'recreate' || existsSync(path)) {
      // The integration tip read above still holds every task this one needs.
      await this.discard(id);
    }
    if (!t.integration) throw new Error(`the integration branch ${this.settings.integration} is gone`);
    const base = t.integration.commit;
    await gitOut(this.repo.top, ['worktree', 'add', '-q', '-b', this.branch(id), path, base]);
    return { kind: 'run', path, cwd: join(path, this.repo.workdirRel), base, baseTree: t.integration.tree, ...(r.action === 'recreate' && { recreated: r.why }) };
  }

  /** Removes the task's worktree and branch (whatever state they are in). */
  async discard(id: string): Promise<void> {
    await this.removeWorktree(id);
    await git(this.repo.top, ['update-ref', '-d', `refs/heads/${this.branch(id)}`]);
  }

  /** Removes the worktree folder (the branch stays). */
  async removeWorktree(id: string): Promise<void> {
    const path = this.path(id);
    if (existsSync(path)) {
      const r = await git(this.repo.top, ['worktree', 'remove', '--force', '--force', path]);
      if (r.code === 0) return;
      rmSync(path, { recursive: true, force: true });
    }
    await git(this.repo.top, ['worktree', 'prune']);
  }

  /**
   * Commits everything the task changed (ignored files excepted) on its branch, with no hook
   * run (plumbing: add, write-tree, commit-tree, update-ref). Undefined: nothing changed.
   */
  async commit(id: string, title: string, hash: string, path: string, base: string, baseTree: string): Promise<string | undefined> {
    await gitOut(path, ['add', '-A']);
    const tree = await gitOut(path, ['write-tree']);
    if (tree === baseTree) return undefined;
    const commit = await gitOut(path, ['commit-tree', '--no-gpg-sign', tree, '-p', base, '-F', '-'], { env: this.env, input: taskCommitMessage(id, title, hash) });
    await gitOut(path, ['update-ref', '-m', `orchestrator: ${id}`, `refs/heads/${this.branch(id)}`, commit, base]);
    return commit;
  }

  /**
   * Merges the task's commit into the integration branch, or names the conflict. `fresh`: the
   * commit was made by this very attempt, so it cannot be in the branch before the first try.
   */
  async merge(id: string, title: string, hash: string, commit: string, fresh = false): Promise<MergeOutcome> {
    const top = this.repo.top;
    for (let i = 0; i < MAX_MERGE_TRIES; i++) {
      const tip = await revParse(top, this.integrationRef);
      if (!tip) throw new Error(`the integration branch ${this.settings.integration} is gone`);
      if (!(fresh && i === 0) && (await git(top, ['merge-base', '--is-ancestor', commit, tip])).code === 0) {
        return { merged: true, merge: (await this.findMerge(commit)) ?? commit, already: true };
      }
      const args = ['merge-tree', '--write-tree', '--name-only', '--no-messages', tip, commit];
      const mt = await git(top, args);
      const parsed = parseMergeTree(mt.code, mt.stdout);
      if (!parsed) throw new GitError(args, mt);
      if (!parsed.clean) return this.conflict(commit, tip, parsed.paths);
      const merge = await gitOut(top, ['commit-tree', '--no-gpg-sign', parsed.tree, '-p', tip, '-p', commit, '-F', '-'], { env: this.env, input: mergeCommitMessage(id, title, hash) });
      const upd = await git(top, ['update-ref', '-m', `orchestrator: merge ${id}`, this.integrationRef, merge, tip]);
      if (upd.code === 0) return { merged: true, merge, already: false };
      // Another merge moved the tip (or holds the ref's lock just now): compute it again.
      if ((await revParse(top, this.integrationRef)) === tip && !/lock/i.test(upd.stderr)) throw new GitError(['update-ref', this.integrationRef], upd);
      await new Promise((r) => setTimeout(r, 2 + Math.random() * 8));
    }
    throw new Error(`could not merge ${id}: the integration branch kept moving (${MAX_MERGE_TRIES} tries)`);
  }

  private async conflict(commit: string, tip: string, paths: string[]): Promise<MergeOutcome> {
    const log = await gitOut(this.repo.top, ['log', '--no-merges', '--name-only', '--format=%x01%B%x02', `${commit}..${tip}`, '--', ...paths]);
    const byPath = tasksByPath(log, (m) => readTaskMark(m)?.task);
    return { merged: false, reason: conflictMessage(paths, byPath), with: conflictTasks(paths, byPath), paths };
  }

  /** The integration branch's merge commit of `commit` (newest first, on its first-parent line). */
  async findMerge(commit: string): Promise<string | undefined> {
    const list = await gitOut(this.repo.top, ['rev-list', '--first-parent', '--merges', '--parents', this.integrationRef]);
    return findMergeOf(list, commit);
  }
}
