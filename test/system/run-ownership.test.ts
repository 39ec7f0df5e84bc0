/**
 * Who may change a run directory: the plan copy is written only by the process that created
 * (or took over) the run, so a `run` that loses a start race never replaces the winner's copy;
 * `reset` refuses while any process of the run is alive and names them. Real processes.
 */
import { expect } from 'chai';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cli, cliProcess, removeDir, tempDir, waitFor, writePlan } from '../helpers/cli.js';
import { runState } from '../helpers/run-state.js';

describe('run ownership: plan copy and reset (real processes)', function () {
  this.timeout(120_000);
  let dir: string;
  beforeEach(() => (dir = tempDir('orch-owner-')));
  afterEach(() => removeDir(dir));

  it('two runs started at once in one directory: one wins, and the plan copy is the winner\'s', async () => {
    // OWNER_ROUNDS=N repeats the race N times (opt-in, for a loaded machine).
    for (let round = 0; round < Number(process.env.OWNER_ROUNDS ?? 3); round++) {
      const runDir = join(dir, `r${round}`);
      const a = writePlan(dir, [{ id: 'A', run: 'sleep 1' }], { name: 'plan-a' }, `a${round}.yaml`);
      const b = writePlan(dir, [{ id: 'B', run: 'sleep 1' }], { name: 'plan-b' }, `b${round}.yaml`);
      const [ra, rb] = await Promise.all([cli(['run', a, '--run-dir', runDir]), cli(['run', b, '--run-dir', runDir])]);
      const codes = [ra.exitCode, rb.exitCode].sort();
      expect(codes, `round ${round}: ${ra.stdout}${ra.stderr}\n---\n${rb.stdout}${rb.stderr}`).to.deep.equal([0, 2]);
      const winner = ra.exitCode === 0 ? 'plan-a' : 'plan-b';
      const loser = ra.exitCode === 0 ? rb : ra;
      expect(loser.stderr).to.match(/already|another run|a different plan/);
      expect(loser.stderr).to.not.match(/internal error|\n\s+at /);
      const copy = JSON.parse(readFileSync(join(runDir, '.orchestrator', 'plan.json'), 'utf8')) as { name: string };
      expect(copy.name, `round ${round}: the plan copy was replaced by the losing run`).to.equal(winner);
      expect((await runState(runDir))!.meta.planName).to.equal(winner);
    }
  });

  it("a run started while another has its state but not yet its plan copy waits for the copy: 'a different plan', not 'no run prepared'", async () => {
    // The window of the start race, held open: a state with no plan copy, which appears later.
    const runDir = join(dir, 'r');
    const a = writePlan(dir, [{ id: 'A', run: 'true' }], { name: 'plan-a' }, 'a.yaml');
    const b = writePlan(dir, [{ id: 'B', run: 'true' }], { name: 'plan-b' }, 'b.yaml');
    expect((await cli(['run', a, '--run-dir', runDir])).exitCode).to.equal(0);
    const copy = join(runDir, '.orchestrator', 'plan.json');
    const text = readFileSync(copy, 'utf8');
    rmSync(copy);
    const late = setTimeout(() => writeFileSync(copy, text), 700);
    const rb = await cli(['run', b, '--run-dir', runDir]).finally(() => clearTimeout(late));
    expect(rb.exitCode, rb.stdout + rb.stderr).to.equal(2);
    expect(rb.stderr).to.match(/holds a run of plan 'plan-a'.*'plan-b' is a different plan/);
    // A copy that never comes is a damaged run, said as before (after the wait).
    rmSync(copy);
    const rc = await cli(['run', b, '--run-dir', runDir]);
    expect(rc.exitCode, rc.stdout + rc.stderr).to.equal(2);
    expect(rc.stderr).to.match(/no run prepared in .* \(missing .*plan\.json\)/);
    expect(rc.stderr).to.not.match(/internal error|\n\s+at /);
  });

  it('reset refuses while the run is alive and names its processes (pid and role); works once it ended', async () => {
    const plan = writePlan(dir, [{ id: 'A', run: 'sleep 60' }]);
    const run = cliProcess(['run', plan, '--run-dir', dir]);
    await waitFor('A running', async () => ((await runState(dir))?.tasks.A?.status === 'running' ? true : undefined), 60_000);
    const r = await cli(['reset', '--yes', '--run-dir', dir]);
    expect(r.exitCode, r.stdout + r.stderr).to.equal(2);
    expect(r.stderr).to.include(`pid ${run.pid}`);
    expect(r.stderr).to.match(/keep-alive monitor/);
    expect(r.stderr).to.match(/worker group/);
    expect(r.stderr).to.match(/task A /);
    expect(existsSync(join(dir, '.orchestrator', 'state.json')), 'the state was moved away under a live run').to.equal(true);
    run.kill('SIGTERM');
    expect((await run).exitCode).to.equal(130);
    const again = await cli(['reset', '--yes', '--run-dir', dir]);
    expect(again.exitCode, again.stderr).to.equal(0);
    expect(again.stdout).to.match(/state and logs moved to/);
  });
});
