/**
 * One task's git worktree: made on claim (or reconciled with what an earlier, killed attempt
 * left), committed when the task succeeded, merged into the integration branch without any
 * working tree (merge-tree --write-tree, commit-tree, update-ref as a compare-and-swap), and
 * removed once merged. Merges serialise on the ref itself: an update-ref whose expected old
 * value is no longer the tip fails, and the merge is computed again on the new tip.
 */
import { existsSync, rmSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import type { GitSettings } from '../core/plan/plan-types.js';
import { commitObjectMessage, mergeCommitMessage, readTaskMark, taskCommitMessage } from '../core/workspace/commit-message.js';
import { conflictMessage, conflictTasks, parseMergeTree, tasksByPath } from '../core/workspace/conflict.js';
import { taskBranch, worktreePath } from '../core/workspace/names.js';
import { findMergeOf, reconcileBranch, type Reconcile } from '../core/workspace/reconcile.js';
import { git, GitError, gitOut, identityEnv, revParse } from '../../workers/git/git.js';
import { readRefFile } from '../../workers/git/ref-files.js';
import type { RunRepo } from './git-repo.js';

export type Prepared =
  | { kind: 'run'; path: string; cwd: string; base: string; recreated?: string }
  | { kind: 'merge'; commit: string }
  | { kind: 'merged'; commit: string; merge: string };

export type MergeOutcome = { merged: true; merge: string; already: boolean } | { merged: false; reason: string; with: string[]; paths: string[] };

/** How many times a merge is computed again because another one moved the integration tip first. */
const MAX_MERGE_TRIES = 200;
/** How many times a worktree is added again after a clash with another worktree's removal. */
const ADD_TRIES = 4;

export class TaskWorkspaces {
  private readonly env: Record<string, string>;
  private common: Promise<string> | undefined;

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

  /** The common git folder (refs live there for every worktree), asked once. */
  private commonDir(): Promise<string> {
    this.common ??= gitOut(this.repo.top, ['rev-parse', '--git-common-dir']).then((d) => (isAbsolute(d) ? d : resolve(this.repo.top, d)));
    return this.common;
  }

  /**
   * The commit a branch points at: read from the ref files when their layout is the plain one
   * (workers/git/ref-files.ts), else by git. Every spawned git costs a few milliseconds of
   * CPU, and an attempt reads the tips twice.
   */
  private async tip(ref: string): Promise<string | undefined> {
    const r = readRefFile(await this.commonDir(), ref);
    if (r.kind === 'found') return r.commit;
    if (r.kind === 'absent') return undefined;
    return revParse(this.repo.top, ref);
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
    const r = await this.reconcile(id, hash, await this.tip(`refs/heads/${this.branch(id)}`));
    if (r.action === 'merge') return { kind: 'merge', commit: r.commit };
    if (r.action === 'merged') return { kind: 'merged', commit: r.commit, merge: (await this.findMerge(r.commit)) ?? r.commit };
    const path = this.path(id);
    if (r.action === 'recreate' || existsSync(path)) {
      // The integration tip read above still holds every task this one needs.
      await this.discard(id);
    }
    const base = await this.tip(this.integrationRef);
    if (!base) throw new Error(`the integration branch ${this.settings.integration} is gone`);
    await this.addWorktree(id, path, base);
    return { kind: 'run', path, cwd: join(path, this.repo.workdirRel), base, ...(r.action === 'recreate' && { recreated: r.why }) };
  }

  /**
   * `git worktree add` of a new branch. git reads every other worktree's folder under
   * `.git/worktrees/` while it adds one, and fails when another worker's `worktree remove` deletes
   * one meanwhile ("failed to read .git/worktrees/T011/commondir"): that attempt is cleaned up
   * (the branch may already exist) and made again.
   */
  private async addWorktree(id: string, path: string, base: string): Promise<void> {
    const args = ['worktree', 'add', '-q', '-b', this.branch(id), path, base];
    for (let i = 1; ; i++) {
      const r = await git(this.repo.top, args);
      if (r.code === 0) return;
      if (i >= ADD_TRIES || !/worktrees\//.test(r.stderr)) throw new GitError(args, r);
      await this.discard(id);
      await new Promise((res) => setTimeout(res, 5 + Math.random() * 20));
    }
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
   * run (git() disables hooks and automatic maintenance). One `git commit` writes the tree, the
   * commit and the branch (a compare-and-swap on the branch, as update-ref would) where the
   * plumbing took three processes. Commits the task made itself stay under this one; when the
   * task committed everything already, an empty commit carries the task's trailers, so the
   * branch tip always says whose work it is (reconcile reads it). Undefined: nothing changed.
   */
  async commit(id: string, title: string, hash: string, path: string, base: string): Promise<string | undefined> {
    await gitOut(path, ['add', '-A']);
    const message = taskCommitMessage(id, title, hash);
    const made = await this.commitIndex(path, message, false);
    if (made !== 'nothing') return made;
    if ((await revParse(path, 'HEAD')) === base) return undefined;
    const marked = await this.commitIndex(path, message, true);
    if (marked === 'nothing') throw new Error(`could not commit the work of ${id} in ${path}`);
    return marked;
  }

  /** `git commit` of the index; its full commit id (core.abbrev=40 prints it), or 'nothing'. */
  private async commitIndex(path: string, message: string, allowEmpty: boolean): Promise<string | 'nothing'> {
    const args = ['-c', 'core.abbrev=40', 'commit', '--no-verify', '--no-gpg-sign', '--no-edit', '--cleanup=verbatim', ...(allowEmpty ? ['--allow-empty'] : []), '-F', '-'];
    const r = await git(path, args, { env: this.env, input: message });
    if (r.code !== 0) {
      if (/^nothing (added )?to commit/m.test(r.stdout)) return 'nothing';
      throw new GitError(args, r);
    }
    // "[<branch> <commit>] <subject>" (LC_ALL=C); the 64-hex form is a SHA-256 repository's.
    return /^\[\S+(?: \(root-commit\))? ([0-9a-f]{40}(?:[0-9a-f]{24})?)\]/m.exec(r.stdout)?.[1] ?? (await gitOut(path, ['rev-parse', 'HEAD']));
  }

  /**
   * Merges the task's commit into the integration branch, or names the conflict. `fresh`: the
   * commit was made by this very attempt, so it cannot be in the branch before the first try.
   */
  async merge(id: string, title: string, hash: string, commit: string, fresh = false): Promise<MergeOutcome> {
    const top = this.repo.top;
    for (let i = 0; i < MAX_MERGE_TRIES; i++) {
      const tip = await this.tip(this.integrationRef);
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
      if ((await this.tip(this.integrationRef)) === tip && !/lock/i.test(upd.stderr)) throw new GitError(['update-ref', this.integrationRef], upd);
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
