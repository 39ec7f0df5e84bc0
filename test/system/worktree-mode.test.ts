/**
 * Worktree mode with real git repositories in temp folders: merges in dependency order, a
 * named conflict and its retry, a worker group SIGKILLed during a commit and during a merge,
 * a task that changes nothing, a dirty user checkout left alone, reset. The user's global git
 * configuration is kept out (HOME and GIT_CONFIG_GLOBAL point into the test's folder).
 */
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { CLI_JS } from '../../orchestrator/run-dir/paths.js';
import { cli, removeDir, tempDir, writePlan, type TaskSpec } from '../helpers/cli.js';
import { readState } from '../helpers/run-state.js';
import { sleep } from '../support/procs.js';

const REAL_GIT = execFileSync('sh', ['-c', 'command -v git'], { encoding: 'utf8' }).trim();
const INTEGRATION = 'orchestrator/test-plan';

describe('worktree mode (real git)', function () {
  this.timeout(180_000);
  let root: string;
  let env: Record<string, string>;

  beforeEach(() => {
    root = tempDir('orch-wt-');
    mkdirSync(join(root, 'home'));
    env = { HOME: join(root, 'home'), GIT_CONFIG_GLOBAL: join(root, 'home', 'no-gitconfig'), GIT_CONFIG_NOSYSTEM: '1' };
  });
  afterEach(() => removeDir(root));

  const git = (dir: string, ...args: string[]) =>
    execFileSync(REAL_GIT, ['-c', 'user.name=Test User', '-c', 'user.email=test@example.com', '-C', dir, ...args], { encoding: 'utf8', env: { ...process.env, ...env } }).trim();

  /** A user's repository with one commit. */
  function userRepo(dir: string): string {
    mkdirSync(dir, { recursive: true });
    git(dir, 'init', '-q');
    writeFileSync(join(dir, 'shared.txt'), 'user\n');
    writeFileSync(join(dir, 'staged.txt'), 'one\n');
    git(dir, 'add', '.');
    git(dir, 'commit', '-qm', 'user commit');
    return dir;
  }

  const plan = (tasks: TaskSpec[], extra: Record<string, unknown> = {}) =>
    writePlan(root, tasks, { workdir: 'repo', workspace: 'worktree', agents: [{ name: 'A1', quad: 1 }, { name: 'A2', quad: 1 }, { name: 'A3', quad: 1 }], keep_alive: { interval: '500ms' }, ...extra });

  const run = (planFile: string, runDir = root, more: string[] = []) => cli(['run', planFile, '--run-dir', runDir, ...more], { env, timeoutMs: 150_000 });

  /** Subjects of the integration branch, oldest first. */
  const subjects = (repo: string) => git(repo, 'log', '--reverse', '--format=%s', INTEGRATION).split('\n');

  /** Each task's commit and its merge are in the integration branch exactly once. */
  function expectMergedOnce(repo: string, ids: string[]): void {
    const s = subjects(repo);
    for (const id of ids) {
      expect(s.filter((l) => l.startsWith(`${id}: `)), `${id} commits`).to.have.length(1);
      expect(s.filter((l) => l.startsWith(`Merge ${id}: `)), `${id} merges`).to.have.length(1);
    }
  }

  it('merges parallel tasks in dependency order, skips a task that changed nothing, leaves a dirty checkout alone', async () => {
    const repo = userRepo(join(root, 'repo'));
    // The user keeps working meanwhile: a modified file, a staged change, an untracked file.
    writeFileSync(join(repo, 'shared.txt'), 'user, edited\n');
    writeFileSync(join(repo, 'staged.txt'), 'two\n');
    git(repo, 'add', 'staged.txt');
    writeFileSync(join(repo, 'notes.txt'), 'mine\n');
    const before = { head: git(repo, 'rev-parse', 'HEAD'), branch: git(repo, 'symbolic-ref', 'HEAD'), status: git(repo, 'status', '--porcelain') };
    // Run directory = the checkout itself: its .orchestrator/ and logs/ must not show in git status.
    const planFile = writePlan(root, [
      { id: 'T1', title: 'Alpha', run: "printf 'a\\n' > a.txt" },
      { id: 'T2', title: 'Beta', run: "printf 'b\\n' > b.txt" },
      { id: 'T3', title: 'Gamma', run: "mkdir -p deep/er && printf 'c\\n' > deep/er/c.txt" },
      { id: 'T4', title: 'Both', needs: ['T1', 'T2'], run: 'cat a.txt b.txt > ab.txt', verify: 'test -f ab.txt' },
      { id: 'T5', title: 'Nothing', needs: ['T4', 'T3'], run: 'test -f ab.txt && test -f deep/er/c.txt' },
      { id: 'T6', title: 'Last', needs: ['T5'], run: "grep -q user shared.txt && printf 'd\\n' >> ab.txt" },
    ], { workdir: '.', workspace: 'worktree', agents: [{ name: 'A1', quad: 1 }, { name: 'A2', quad: 1 }, { name: 'A3', quad: 1 }] });
    const r = await run(planFile, repo);
    expect(r.exitCode, r.stdout + r.stderr).to.equal(0);
    expect(r.stdout).to.include(`integration branch ${INTEGRATION}: 5 task merge(s); take it with \`git -C ${repo} merge ${INTEGRATION}\``);

    expectMergedOnce(repo, ['T1', 'T2', 'T3', 'T4', 'T6']);
    expect(subjects(repo).filter((l) => l.includes('T5'))).to.deep.equal([]);
    // Dependency order on the integration branch's own line (first parents).
    const merges = git(repo, 'log', '--reverse', '--first-parent', '--format=%s', INTEGRATION).split('\n').filter((l) => l.startsWith('Merge '));
    const at = (id: string) => merges.findIndex((l) => l.startsWith(`Merge ${id}:`));
    expect(at('T4')).to.be.greaterThan(Math.max(at('T1'), at('T2')));
    expect(at('T6')).to.be.greaterThan(Math.max(at('T4'), at('T3')));
    expect(git(repo, 'show', `${INTEGRATION}:ab.txt`)).to.equal('a\nb\nd');
    expect(git(repo, 'show', `${INTEGRATION}:deep/er/c.txt`)).to.equal('c');
    expect(git(repo, 'log', '-1', '--format=%an <%ae>', `${INTEGRATION}^2`)).to.equal('orchestrator <orchestrator@localhost>');
    // The user's checkout: untouched.
    expect(git(repo, 'rev-parse', 'HEAD')).to.equal(before.head);
    expect(git(repo, 'symbolic-ref', 'HEAD')).to.equal(before.branch);
    expect(git(repo, 'status', '--porcelain')).to.equal(before.status);
    expect(readFileSync(join(repo, 'shared.txt'), 'utf8')).to.equal('user, edited\n');
    expect(git(repo, 'diff', '--cached', '--name-only')).to.equal('staged.txt');
    // Merged tasks' worktrees are gone; their branches are listed by status.
    expect(git(repo, 'worktree', 'list', '--porcelain').split('\n').filter((l) => l.startsWith('worktree '))).to.have.length(1);
    const s = (await readState(repo))!;
    expect(s.tasks.T5).to.deep.include({ status: 'done', reason: 'no changes', branch: 'orchestrator-tasks/test-plan/T5' });
    expect(s.tasks.T1!.merge).to.match(/^[0-9a-f]{40}$/);
    const st = await cli(['status', '--run-dir', repo], { env });
    expect(st.stdout).to.match(/T1 +Alpha +done .*orchestrator-tasks\/test-plan\/T1 +[0-9a-f]{12}/);
    expect(st.stdout).to.match(/T5 +Nothing +done .*no changes/);
  });

  it("keeps a task's own commits under its commit, marks a task that committed everything itself, runs none of the user's hooks", async () => {
    const repo = userRepo(join(root, 'repo'));
    const ran = join(root, 'hooks-ran');
    mkdirSync(ran);
    for (const hook of ['pre-commit', 'commit-msg', 'post-commit', 'post-checkout', 'reference-transaction']) {
      writeFileSync(join(repo, '.git', 'hooks', hook), `#!/bin/sh\ntouch '${join(ran, hook)}'\n`);
      chmodSync(join(repo, '.git', 'hooks', hook), 0o755);
    }
    // The tasks' own git runs no hook either, so that only the orchestrator's could fire them.
    const taskGit = "git -c core.hooksPath=/dev/null -c user.name=Task -c user.email=task@example.com";
    const planFile = plan([
      { id: 'T1', title: 'All mine', run: `printf 'a\\n' > a.txt && ${taskGit} add a.txt && ${taskGit} commit -qm 'made by T1 itself'` },
      { id: 'T2', title: 'Half mine', run: `printf 'b\\n' > b.txt && ${taskGit} add b.txt && ${taskGit} commit -qm 'made by T2 itself' && printf 'b2\\n' > b2.txt` },
      { id: 'T3', title: 'After', needs: ['T1', 'T2'], run: 'cat a.txt b.txt b2.txt > c.txt' },
    ]);
    const r = await run(planFile);
    expect(r.exitCode, r.stdout + r.stderr).to.equal(0);
    expectMergedOnce(repo, ['T1', 'T2', 'T3']);
    expect(git(repo, 'show', `${INTEGRATION}:c.txt`)).to.equal('a\nb\nb2');
    // Each task branch's tip is the orchestrator's marked commit, the task's own commit under it.
    for (const id of ['T1', 'T2']) {
      const line = git(repo, 'log', '--format=%s', '-2', `orchestrator-tasks/test-plan/${id}`).split('\n');
      expect(line[0], id).to.match(new RegExp(`^${id}: `));
      expect(line[1], id).to.equal(`made by ${id} itself`);
    }
    expect(git(repo, 'diff-tree', '--no-commit-id', '--name-only', '-r', 'orchestrator-tasks/test-plan/T1'), 'T1 committed everything itself').to.equal('');
    expect(git(repo, 'diff-tree', '--no-commit-id', '--name-only', '-r', 'orchestrator-tasks/test-plan/T2')).to.equal('b2.txt');
    expect(readdirSync(ran), 'hooks that ran').to.deep.equal([]);
  });

  it('names a conflict and the task it collides with, blocks the dependent, keeps the worktree; retry merges', async () => {
    const repo = userRepo(join(root, 'repo'));
    const planFile = plan([
      { id: 'T1', title: 'Base', run: "printf 'base\\n' > s.txt" },
      { id: 'T2', title: 'Two', needs: ['T1'], run: "printf 'two\\n' > s.txt" },
      { id: 'T3', title: 'Three', needs: ['T1'], run: "printf 'three\\n' > s.txt" },
      { id: 'T4', title: 'After', needs: ['T2', 'T3'], run: 'cp s.txt final.txt' },
    ]);
    const r = await run(planFile);
    expect(r.exitCode, r.stdout + r.stderr).to.equal(1);
    const s = (await readState(root))!;
    const loser = s.tasks.T2!.status === 'failed' ? 'T2' : 'T3';
    const winner = loser === 'T2' ? 'T3' : 'T2';
    expect(s.tasks[winner]!.status).to.equal('done');
    expect(s.tasks[loser]!.reason).to.equal(`conflict in s.txt with ${winner}`);
    expect(s.tasks.T4).to.deep.include({ status: 'blocked' });
    expect(r.stdout).to.include(`⚡ ${loser} conflict in s.txt with ${winner}`);
    // Kept for inspection: the worktree (with the task's version) and the branch with its commit.
    const wt = join(root, '.orchestrator', 'worktrees', loser);
    expect(readFileSync(join(wt, 's.txt'), 'utf8')).to.equal(loser === 'T2' ? 'two\n' : 'three\n');
    expect(git(repo, 'log', '-1', '--format=%s', `orchestrator-tasks/test-plan/${loser}`)).to.equal(`${loser}: ${loser === 'T2' ? 'Two' : 'Three'}`);

    const rt = await cli(['retry', loser, '--run-dir', root], { env });
    expect(rt.exitCode, rt.stderr).to.equal(0);
    expect(rt.stdout).to.include(`removed ${loser}'s worktree and branch orchestrator-tasks/test-plan/${loser}`);
    const r2 = await run(planFile);
    expect(r2.exitCode, r2.stdout + r2.stderr).to.equal(0);
    expectMergedOnce(repo, ['T1', 'T2', 'T3', 'T4']);
    const last = loser === 'T2' ? 'two' : 'three';
    expect(git(repo, 'show', `${INTEGRATION}:s.txt`)).to.equal(last);
    expect(git(repo, 'show', `${INTEGRATION}:final.txt`)).to.equal(last);
  });

  /**
   * A fake git earlier on PATH pauses once at `point` (the task's `git commit`, the merge's
   * commit-tree, or just after the integration branch moved), recording its pid, until killed.
   */
  function pausingGit(point: 'commit' | 'merge' | 'merged'): { bin: string; marker: string } {
    const bin = join(root, 'bin');
    const marker = join(root, 'paused');
    mkdirSync(bin);
    const script = `#!/bin/sh
pause() { if mkdir "${marker}" 2>/dev/null; then echo $$ > "${marker}/pid"; exec sleep 600; fi; }
case " $* " in
  *" commit --no-verify "*)
    if [ "${point}" = commit ]; then pause; fi ;;
  *" commit-tree "*)
    if [ "${point}" = merge ]; then pause; fi ;;
  *" update-ref -m orchestrator: merge "*)
    if [ "${point}" = merged ]; then "${REAL_GIT}" "$@"; rc=$?; [ $rc = 0 ] && pause; exit $rc; fi ;;
esac
exec "${REAL_GIT}" "$@"
`;
    writeFileSync(join(bin, 'git'), script);
    chmodSync(join(bin, 'git'), 0o755);
    return { bin, marker };
  }

  for (const point of ['commit', 'merge', 'merged'] as const) {
    it(`loses nothing and merges nothing twice when a worker group is SIGKILLed ${point === 'merged' ? 'right after its merge moved the branch' : `during a ${point}`}`, async () => {
      const repo = userRepo(join(root, 'repo'));
      const { bin, marker } = pausingGit(point);
      const planFile = plan([
        { id: 'T1', title: 'One', run: "printf '1\\n' > one.txt" },
        { id: 'T2', title: 'Two', run: "printf '2\\n' > two.txt" },
        { id: 'T3', title: 'Three', needs: ['T1', 'T2'], run: 'cat one.txt two.txt > three.txt' },
      ]);
      const child = execa(process.execPath, [CLI_JS, 'run', planFile, '--run-dir', root], { env: { ...env, PATH: `${bin}:${process.env.PATH}` }, reject: false, stdin: 'ignore' });
      try {
        const deadline = Date.now() + 90_000;
        while (!existsSync(join(marker, 'pid')) && Date.now() < deadline) await sleep(50);
        expect(existsSync(join(marker, 'pid')), 'the fake git paused').to.equal(true);
        await sleep(50);
        const pausedGit = Number(readFileSync(join(marker, 'pid'), 'utf8'));
        const s = (await readState(root))!;
        const worker = s.groups['1']!.pid!;
        const paused = Object.values(s.tasks).find((t) => t.status === 'running' && existsSync(join(root, 'logs', 'tasks', `${t.id}.log`)) && readFileSync(join(root, 'logs', 'tasks', `${t.id}.log`), 'utf8').includes('--- git: worktree'));
        process.kill(worker, 'SIGKILL');
        process.kill(pausedGit, 'SIGKILL');
        const r = await child;
        expect(r.exitCode, `${r.stdout}\n${r.stderr}`).to.equal(0);
        expect(r.stdout).to.match(/quad 1 restarted|keep-alive/);
        expectMergedOnce(repo, ['T1', 'T2', 'T3']);
        expect(git(repo, 'show', `${INTEGRATION}:three.txt`)).to.equal('1\n2');
        const done = (await readState(root))!;
        for (const id of ['T1', 'T2', 'T3']) expect(done.tasks[id]!.merge, id).to.match(/^[0-9a-f]{40}$/);
        const logs = ['T1', 'T2', 'T3'].map((id) => readFileSync(join(root, 'logs', 'tasks', `${id}.log`), 'utf8')).join('\n');
        if (point === 'commit') expect(logs).to.include('re-created: no commit was made');
        if (point === 'merge') expect(logs).to.include('was committed by an earlier attempt: merging it without running again');
        if (point === 'merged') expect(logs).to.match(/was already merged as [0-9a-f]{12} by an earlier attempt/);
        expect(paused, 'a task was running at the pause').to.not.equal(undefined);
        expect(readdirSync(join(root, '.orchestrator', 'worktrees'))).to.deep.equal([]);
      } finally {
        child.kill('SIGKILL');
        await child;
      }
    });
  }

  it("adds a worktree again when git's first add clashed with another worktree's removal", async () => {
    const repo = userRepo(join(root, 'repo'));
    // The first `worktree add` does what the real one did when another worker removed a
    // worktree meanwhile: the branch is made, then git fails reading the other's folder.
    const bin = join(root, 'bin');
    mkdirSync(bin);
    writeFileSync(join(bin, 'git'), `#!/bin/sh
case " $* " in
  *" worktree add "*)
    if mkdir '${join(root, 'failed-once')}' 2>/dev/null; then
      prev=; dir=; for a in "$@"; do [ "$prev" = -b ] && br=$a; [ "$prev" = -C ] && dir=$a; prev=$a; done
      last=; for a in "$@"; do last=$a; done
      "${REAL_GIT}" -C "$dir" branch "$br" "$last"
      echo "fatal: failed to read .git/worktrees/T9/commondir: Success" >&2
      exit 128
    fi ;;
esac
exec "${REAL_GIT}" "$@"
`);
    chmodSync(join(bin, 'git'), 0o755);
    const planFile = plan([{ id: 'T1', title: 'One', run: "printf '1\\n' > one.txt" }]);
    const r = await cli(['run', planFile, '--run-dir', root], { env: { ...env, PATH: `${bin}:${process.env.PATH}` }, timeoutMs: 150_000 });
    expect(r.exitCode, r.stdout + r.stderr).to.equal(0);
    expect(existsSync(join(root, 'failed-once')), 'the first add failed').to.equal(true);
    expectMergedOnce(repo, ['T1']);
    expect(git(repo, 'show', `${INTEGRATION}:one.txt`)).to.equal('1');
  });

  it('reset removes the run\'s worktrees and task branches after saying so; --fresh starts the integration branch again', async () => {
    const repo = userRepo(join(root, 'repo'));
    const planFile = plan([
      { id: 'T1', title: 'Base', run: "printf 'base\\n' > s.txt" },
      { id: 'T2', title: 'Two', needs: ['T1'], run: "printf 'two\\n' > s.txt" },
      { id: 'T3', title: 'Three', needs: ['T1'], run: "printf 'three\\n' > s.txt" },
    ]);
    expect((await run(planFile)).exitCode).to.equal(1); // one of T2/T3 conflicts: its worktree is kept
    expect(git(repo, 'worktree', 'list', '--porcelain').split('\n').filter((l) => l.startsWith('worktree '))).to.have.length(2);
    const r = await cli(['reset', '--yes', '--run-dir', root], { env });
    expect(r.exitCode, r.stderr).to.equal(0);
    expect(r.stdout).to.match(/removing the run's task worktrees and task branches in .*\nremoved 1 task worktree\(s\) and 3 task branch\(es\)/);
    expect(git(repo, 'worktree', 'list', '--porcelain').split('\n').filter((l) => l.startsWith('worktree '))).to.have.length(1);
    expect(git(repo, 'for-each-ref', '--format=%(refname:short)', 'refs/heads/orchestrator-tasks')).to.equal('');
    expect(git(repo, 'rev-parse', '--verify', INTEGRATION)).to.match(/^[0-9a-f]{40}$/); // the merged work stays
    const again = await run(planFile, root, ['--fresh']);
    expect(again.stdout).to.match(new RegExp(`integration branch ${INTEGRATION} starts at HEAD [0-9a-f]{12} \\(it was at [0-9a-f]{12}`));
    expect(git(repo, 'status', '--porcelain')).to.equal('');
  });

  it('refuses a workdir outside any repository (located plan error) and a git older than 2.38', async () => {
    mkdirSync(join(root, 'repo'));
    const planFile = plan([{ id: 'T1', run: 'true' }]);
    const r = await run(planFile);
    expect(r.exitCode).to.equal(2);
    expect(r.stderr).to.match(/plan\.yaml:\d+:\d+: field 'workspace': the workdir .*repo is not inside a git repository: run `git init` there \(and commit\), or set `git: init` in the plan/);
    expect(existsSync(join(root, '.orchestrator'))).to.equal(false);

    const bin = join(root, 'oldgit');
    mkdirSync(bin);
    writeFileSync(join(bin, 'git'), `#!/bin/sh\ncase " $* " in *" --version "*) echo "git version 2.30.2"; exit 0 ;; esac\nexec "${REAL_GIT}" "$@"\n`);
    chmodSync(join(bin, 'git'), 0o755);
    const old = await cli(['run', planFile, '--run-dir', root], { env: { ...env, PATH: `${bin}:${process.env.PATH}` } });
    expect(old.exitCode).to.equal(2);
    expect(old.stderr).to.include('needs git 2.38 or newer (for merge-tree --write-tree); found git version 2.30.2');
  });

  it('git: init makes the workdir a repository with an initial commit', async () => {
    const planFile = plan([{ id: 'T1', title: 'One', run: "printf '1\\n' > one.txt" }], { git: 'init', workdir: 'fresh/app' });
    const r = await run(planFile);
    expect(r.exitCode, r.stdout + r.stderr).to.equal(0);
    const repo = join(root, 'fresh', 'app');
    // Topological: the three commits may share one second, so date order can put T1 first.
    expect(git(repo, 'log', '--reverse', '--topo-order', '--format=%s', INTEGRATION).split('\n')).to.deep.equal(['Initial commit (orchestrator: git init)', 'T1: One', 'Merge T1: One']);
    expect(git(repo, 'status', '--porcelain')).to.equal('');
  });
});
