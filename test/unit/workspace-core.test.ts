/** Worktree mode's pure decisions: names, commit trailers, reconcile after a crash, conflict messages, git version. */
import { expect } from 'chai';
import { commitObjectMessage, parseIdentity, readTaskMark, mergeCommitMessage, taskCommitMessage } from '../../orchestrator/core/workspace/commit-message.js';
import { conflictMessage, conflictTasks, parseMergeTree, tasksByPath } from '../../orchestrator/core/workspace/conflict.js';
import { gitVersionOk, parseGitVersion } from '../../orchestrator/core/workspace/git-version.js';
import { branchNameProblem, defaultIntegration, refSafe, taskBranch, taskBranchPrefix, worktreePath } from '../../orchestrator/core/workspace/names.js';
import { findMergeOf, reconcileBranch } from '../../orchestrator/core/workspace/reconcile.js';
import { parsePlan } from '../../orchestrator/run-dir/load-plan.js';
import { PlanError } from '../../orchestrator/core/errors.js';

const A = 'a'.repeat(40);
const B = 'b'.repeat(40);
const C = 'c'.repeat(40);

describe('worktree mode: names', () => {
  it('puts task branches beside the integration branch, never under it', () => {
    expect(defaultIntegration('avatar-platform')).to.equal('orchestrator/avatar-platform');
    expect(taskBranch('avatar-platform', 'T004')).to.equal('orchestrator-tasks/avatar-platform/T004');
    expect(taskBranch('p', 'T1').startsWith(`${defaultIntegration('p')}/`)).to.equal(false);
    expect(taskBranchPrefix('p')).to.equal('orchestrator-tasks/p/');
    expect(worktreePath('/run/.orchestrator', 'T1')).to.equal('/run/.orchestrator/worktrees/T1');
  });

  it('makes any plan name a valid ref component', () => {
    expect(refSafe('my plan: v2..x')).to.equal('my-plan-v2-x');
    expect(refSafe('.hidden.lock')).to.equal('hidden');
    expect(refSafe('a/b')).to.equal('a-b');
    expect(refSafe('...')).to.equal('plan');
  });

  it('checks integration branch names like git does (the common rules)', () => {
    expect(branchNameProblem('orchestrator/x')).to.equal(undefined);
    expect(branchNameProblem('feature/merge-here')).to.equal(undefined);
    for (const bad of ['a b', 'a..b', 'a/', '-x', 'x.lock', 'a/.b', 'x~1', 'orchestrator-tasks/p', '']) {
      expect(branchNameProblem(bad), bad).to.be.a('string');
    }
  });
});

describe('worktree mode: commit messages', () => {
  it('reads back the task and hash it wrote', () => {
    const msg = taskCommitMessage('T004', 'Voice Synthesis', 'abc123');
    expect(msg.split('\n')[0]).to.equal('T004: Voice Synthesis');
    expect(readTaskMark(msg)).to.deep.equal({ task: 'T004', hash: 'abc123' });
    expect(readTaskMark(mergeCommitMessage('T004', 'V', 'h'))).to.deep.equal({ task: 'T004', hash: 'h' });
    expect(readTaskMark('T004: a user commit mentioning Orchestrator-Task: T004 in its subject')).to.equal(undefined);
    expect(readTaskMark('fix\n\nSigned-off-by: x <y@z>')).to.equal(undefined);
  });

  it('takes the message out of a raw commit object', () => {
    const raw = `tree ${A}\nparent ${B}\nauthor o <o@l> 1 +0000\ncommitter o <o@l> 1 +0000\n\n${taskCommitMessage('T1', 't', 'h')}`;
    expect(readTaskMark(commitObjectMessage(raw))).to.deep.equal({ task: 'T1', hash: 'h' });
  });

  it('parses identities', () => {
    expect(parseIdentity('Build Bot <bot@example.com>')).to.deep.equal({ name: 'Build Bot', email: 'bot@example.com' });
    expect(parseIdentity('bot@example.com')).to.equal(undefined);
    expect(parseIdentity('<bot@example.com>')).to.equal(undefined);
  });
});

describe('worktree mode: reconcile after a crash', () => {
  const mark = { task: 'T1', hash: 'h1' };
  it('creates a worktree when there is no branch', () => {
    expect(reconcileBranch('T1', 'h1', { merged: false })).to.deep.equal({ action: 'create' });
  });
  it('merges a commit already made instead of running the task again', () => {
    expect(reconcileBranch('T1', 'h1', { tip: A, mark, merged: false })).to.deep.equal({ action: 'merge', commit: A });
  });
  it('recognises a merge already in the integration branch', () => {
    expect(reconcileBranch('T1', 'h1', { tip: A, mark, merged: true })).to.deep.equal({ action: 'merged', commit: A });
  });
  it('starts over when no commit was made (the branch is still at its base)', () => {
    const r = reconcileBranch('T1', 'h1', { tip: A, mark: undefined, merged: true });
    expect(r).to.deep.include({ action: 'recreate', why: 'no commit was made' });
  });
  it('starts over when the commit is of an older definition or of another task', () => {
    expect(reconcileBranch('T1', 'h2', { tip: A, mark, merged: false })).to.deep.include({ action: 'recreate' });
    expect(reconcileBranch('T2', 'h1', { tip: A, mark, merged: true })).to.deep.include({ action: 'recreate' });
  });
  it('finds the merge commit of a task commit', () => {
    const list = `${C} ${A} ${B}\n${A} ${B}\n`;
    expect(findMergeOf(list, B)).to.equal(C);
    expect(findMergeOf(list, A)).to.equal(undefined);
  });
});

describe('worktree mode: conflicts', () => {
  it('reads merge-tree output', () => {
    expect(parseMergeTree(0, `${A}\n`)).to.deep.equal({ clean: true, tree: A });
    expect(parseMergeTree(1, `${A}\nvoice/synth.py\nREADME.md\nvoice/synth.py\n`)).to.deep.equal({ clean: false, tree: A, paths: ['voice/synth.py', 'README.md'] });
    expect(parseMergeTree(128, 'fatal: bad')).to.equal(undefined);
    expect(parseMergeTree(2, `${A}\n`)).to.equal(undefined);
  });

  it('names the task whose merged work a conflict collides with', () => {
    const log = [
      `\x01${taskCommitMessage('T005', 'Lip Sync', 'h')}\x02\nvoice/synth.py\nlipsync/a.py\n`,
      `\x01${taskCommitMessage('T006', 'Avatar', 'h')}\x02\nREADME.md\n`,
      `\x01a commit by hand\x02\nREADME.md\n`,
    ].join('');
    const byPath = tasksByPath(log, (m) => readTaskMark(m)?.task);
    expect(byPath.get('voice/synth.py')).to.deep.equal(['T005']);
    expect(conflictMessage(['voice/synth.py'], byPath)).to.equal('conflict in voice/synth.py with T005');
    expect(conflictMessage(['voice/synth.py', 'README.md', 'x.txt'], byPath)).to.equal('conflict in voice/synth.py with T005; README.md with T006; x.txt');
    expect(conflictTasks(['voice/synth.py', 'README.md', 'x.txt'], byPath)).to.deep.equal(['T005', 'T006']);
    const many = Array.from({ length: 9 }, (_, i) => `f${i}`);
    expect(conflictMessage(many, new Map())).to.match(/^conflict in f0, f1, f2, f3, f4, f5 \(and 3 more paths\)$/);
  });
});

describe('worktree mode: git version', () => {
  it('needs 2.38 or newer', () => {
    expect(parseGitVersion('git version 2.39.5')).to.deep.equal([2, 39, 5]);
    expect(parseGitVersion('git version 2.40.0.windows.1')).to.deep.equal([2, 40, 0]);
    expect(gitVersionOk([2, 38, 0])).to.equal(true);
    expect(gitVersionOk([2, 37, 9])).to.equal(false);
    expect(gitVersionOk([3, 0])).to.equal(true);
    expect(parseGitVersion('nonsense')).to.equal(undefined);
  });
});

describe('worktree mode: plan keys', () => {
  const plan = (extra: string, task = '') => `version: 1\nname: p\n${extra}tasks:\n  - { id: T1, run: "true"${task} }\n  - { id: T2, run: "true" }\n`;
  it('is off by default, a plan-level default or per task', () => {
    expect(parsePlan(plan(''), 'p.yaml').git).to.equal(undefined);
    const all = parsePlan(plan('workspace: worktree\n'), 'p.yaml');
    expect(all.tasks.map((t) => t.workspace)).to.deep.equal(['worktree', 'worktree']);
    expect(all.git).to.deep.equal({ init: false, integration: 'orchestrator/p', author: { name: 'orchestrator', email: 'orchestrator@localhost' } });
    const one = parsePlan(plan('', ', workspace: worktree'), 'p.yaml');
    expect(one.tasks.map((t) => t.workspace)).to.deep.equal(['worktree', undefined]);
    const mixed = parsePlan(plan('workspace: worktree\nintegration: merged/here\ngit: { init: true, author: "Bot <bot@x>" }\n', ', workspace: shared'), 'p.yaml');
    expect(mixed.tasks.map((t) => t.workspace)).to.deep.equal([undefined, 'worktree']);
    expect(mixed.git).to.deep.equal({ init: true, integration: 'merged/here', author: { name: 'Bot', email: 'bot@x' } });
    expect(parsePlan(plan('workspace: worktree\ngit: init\n'), 'p.yaml').git?.init).to.equal(true);
  });

  it('reports bad values where they are', () => {
    const err = (text: string) => {
      try {
        parsePlan(text, 'p.yaml');
      } catch (e) {
        if (e instanceof PlanError) return e.message;
      }
      throw new Error('no plan error');
    };
    expect(err(plan('workspace: worktrees\n'))).to.match(/p\.yaml:3:12: field 'workspace': expected 'shared' .* or 'worktree'/);
    expect(err(plan('workspace: worktree\nintegration: "a..b"\n'))).to.match(/p\.yaml:4:14: field 'integration': not a usable branch name/);
    expect(err(plan('workspace: worktree\ngit: { author: nobody }\n'))).to.match(/p\.yaml:4:16: field 'git\.author': expected 'Name <email>'/);
    expect(err(plan('git: always\n'))).to.match(/field 'git'/);
    expect(err(plan('', ', workspace: x'))).to.match(/task T1, field 'workspace'/);
  });
});
