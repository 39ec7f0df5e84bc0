/**
 * The bundled plan in worktree mode, end to end: twenty task commits merged into
 * orchestrator/avatar-platform in an order the graph allows, and the produced project passes its
 * own tests from that branch. Opt-in (about two minutes of Python on two cores):
 *   DEFAULT_PLAN_WORKTREE=1 npx mocha test/system/default-plan-worktree.test.ts
 */
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { loadPlan } from '../../orchestrator/run-dir/load-plan.js';
import { cli, removeDir, tempDir } from '../helpers/cli.js';

const maybe = process.env.DEFAULT_PLAN_WORKTREE === '1' ? describe : describe.skip;

maybe('the bundled plan in worktree mode (opt-in: DEFAULT_PLAN_WORKTREE=1)', function () {
  this.timeout(900_000);
  let root: string;
  before(() => {
    root = tempDir('orch-wt-default-');
  });
  after(() => removeDir(root));

  it('merges all twenty tasks in dependency order, and the project passes its tests from the integration branch', async () => {
    mkdirSync(join(root, 'home'));
    const env = { HOME: join(root, 'home'), GIT_CONFIG_GLOBAL: join(root, 'home', 'no-gitconfig'), GIT_CONFIG_NOSYSTEM: '1' };
    const git = (...args: string[]) => execFileSync('git', ['-C', join(root, 'build', 'heygen-clone'), ...args], { encoding: 'utf8', env: { ...process.env, ...env } }).trim();
    const r = await cli(['run', '--run-dir', root], { env, timeoutMs: 880_000 });
    expect(r.exitCode, r.stdout.slice(-3000) + r.stderr).to.equal(0);
    const plan = loadPlan();
    const merges = git('log', '--reverse', '--first-parent', '--format=%s', 'orchestrator/avatar-platform').split('\n').filter((l) => l.startsWith('Merge '));
    expect(merges).to.have.length(20);
    const at = new Map(merges.map((l, i) => [/^Merge (\S+):/.exec(l)![1]!, i]));
    for (const t of plan.tasks) for (const n of t.needs) expect(at.get(n)!, `${n} before ${t.id}`).to.be.lessThan(at.get(t.id)!);
    const commits = git('log', '--no-merges', '--format=%s', 'orchestrator/avatar-platform').split('\n');
    for (const t of plan.tasks) expect(commits.filter((s) => s === `${t.id}: ${t.title}`), t.id).to.have.length(1);
    const check = join(root, 'check');
    git('worktree', 'add', '-q', check, 'orchestrator/avatar-platform');
    const out = execFileSync('python3', ['-m', 'unittest', 'discover', '-s', 'tests', '-q'], { cwd: check, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    expect(out).to.equal('');
    expect(git('status', '--porcelain')).to.equal('');
  });
});
