/**
 * Running again in a run directory: a finished run is not restarted silently (at a terminal
 * the user is asked, without one told how), --fresh starts over with the earlier run moved to
 * .orchestrator/history/ (the last 5 kept, nothing left beside the user's files), and a
 * different plan is refused with the two ways out.
 */
import { expect } from 'chai';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import * as pty from 'node-pty';
import { CLI_JS } from '../../orchestrator/run-dir/paths.js';
import { cli, removeDir, tempDir, waitFor, writePlan } from '../helpers/cli.js';
import { readState } from '../helpers/run-state.js';

describe('re-runs: finished runs, --fresh history, another plan', function () {
  this.timeout(120_000);
  let dir: string;
  let plan: string;
  beforeEach(() => {
    dir = tempDir('rerun-');
    plan = writePlan(dir, [{ id: 'a', run: 'true' }, { id: 'b', run: 'true', needs: ['a'] }]);
  });
  afterEach(() => removeDir(dir));

  const run = (...args: string[]) => cli(['run', plan, '--run-dir', dir, ...args]);
  const runId = async () => (await readState(dir))!.meta.runId;
  const history = () => (existsSync(join(dir, '.orchestrator', 'history')) ? readdirSync(join(dir, '.orchestrator', 'history')) : []);

  it('says a finished run is finished and starts nothing without a terminal; --fresh starts over into history', async () => {
    expect((await run()).exitCode).to.equal(0);
    const first = await runId();
    const again = await run();
    expect(again.exitCode, again.stderr).to.equal(0);
    expect(again.stdout).to.include('is finished (2/2 done)').and.include('nothing to run').and.include('run --fresh');
    expect(await runId()).to.equal(first);

    const fresh = await run('--fresh');
    expect(fresh.exitCode, fresh.stderr).to.equal(0);
    expect(await runId()).to.not.equal(first);
    expect(history()).to.have.length(1);
    const entry = join(dir, '.orchestrator', 'history', history()[0]!);
    expect(existsSync(join(entry, 'state', 'state.json'))).to.equal(true);
    expect(existsSync(join(entry, 'logs', 'events.jsonl'))).to.equal(true);
    expect(readdirSync(dir).filter((n) => n.includes('.old-'))).to.deep.equal([]);
  });

  it('keeps the last 5 earlier runs (reset and --fresh alike)', async () => {
    expect((await run()).exitCode).to.equal(0);
    for (let i = 0; i < 5; i++) expect((await run('--fresh')).exitCode).to.equal(0);
    const r = await cli(['reset', '--yes', '--run-dir', dir]);
    expect(r.exitCode, r.stderr).to.equal(0);
    expect(r.stdout).to.include('.orchestrator/history/');
    expect(history()).to.have.length(5);
    expect(existsSync(join(dir, '.orchestrator', 'state.json'))).to.equal(false);
    expect(existsSync(join(dir, 'logs'))).to.equal(false);
    expect(readdirSync(dir).sort()).to.deep.equal(['.orchestrator', 'plan.yaml', 'work']);
  });

  it('refuses another plan in the same run directory, naming --fresh and --run-dir (exit 2)', async () => {
    expect((await run()).exitCode).to.equal(0);
    const first = await runId();
    const other = writePlan(dir, [{ id: 'x', run: 'true' }], { name: 'other-plan' }, 'other.yaml');
    const r = await cli(['run', other, '--run-dir', dir]);
    expect(r.exitCode).to.equal(2);
    expect(r.stderr).to.include("holds a run of plan 'test-plan'").and.include("'other-plan' is a different plan").and.include('--fresh').and.include('--run-dir');
    expect(await runId()).to.equal(first);
    const launch = await cli(['launch', other, '--run-dir', dir, '--socket', 'orch-test-never-started']);
    expect(launch.exitCode).to.equal(2);
    expect(launch.stderr).to.include('different plan');
    expect((await cli(['run', other, '--run-dir', dir, '--fresh'])).exitCode).to.equal(0);
    expect((await readState(dir))!.meta.planName).to.equal('other-plan');
  });

  it('asks at a terminal, and starts over on yes', async () => {
    expect((await run()).exitCode).to.equal(0);
    const first = await runId();
    const term = pty.spawn(process.execPath, [CLI_JS, 'run', plan, '--run-dir', dir], { cols: 120, rows: 30, env: { ...process.env, NO_COLOR: '1' } as Record<string, string> });
    let out = '';
    term.onData((d) => (out += d));
    const exited = new Promise<number>((r) => term.onExit((e) => r(e.exitCode)));
    await waitFor('the question', () => out.includes('Run it again from scratch?') || undefined, 30_000, 100);
    term.write('y\r');
    expect(await exited, out).to.equal(0);
    expect(await runId()).to.not.equal(first);
    expect(history()).to.have.length(1);
  });
});
