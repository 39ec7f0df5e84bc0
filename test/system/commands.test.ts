/**
 * The commands users of make, pm2 and Actions expect: run --dry-run and --only, rerun, status
 * --json timing, shell completion, and colour only where it belongs.
 */
import { expect } from 'chai';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { stripColourSgr, colourEnabled } from '../../orchestrator/core/text/colour.js';
import { cli, removeDir, status, tempDir, writePlan } from '../helpers/cli.js';

const DIAMOND = [
  { id: 'a', run: 'true', estimate: '2s' },
  { id: 'b', run: 'true', needs: ['a'], estimate: '1s' },
  { id: 'c', run: 'true', needs: ['a'], estimate: '3s' },
  { id: 'd', run: 'true', needs: ['b', 'c'] },
  { id: 'x', run: 'exit 4' },
];

describe('commands: dry run, only, rerun, status --json, completion, colour', function () {
  this.timeout(120_000);
  let dir: string;
  let plan: string;
  beforeEach(() => {
    dir = tempDir('cmds-');
    plan = writePlan(dir, DIAMOND, { agents: [{ name: 'p', quad: 1 }, { name: 'q', quad: 2 }] });
  });
  afterEach(() => removeDir(dir));

  it('run --dry-run shows the start order, agents and lower bound, and runs nothing', async () => {
    const r = await cli(['run', plan, '--run-dir', dir, '--dry-run']);
    expect(r.exitCode, r.stderr).to.equal(0);
    const rows = r.stdout.split('\n').filter((l) => /^\d+ /.test(l));
    expect(rows.map((l) => l.split(/\s+/)[2])).to.deep.equal(['a', 'x', 'c', 'b', 'd']);
    expect(r.stdout).to.include('lower bound 6.00s').and.include('critical path a -> c -> d').and.include('estimated makespan 6.00s');
    expect(existsSync(join(dir, '.orchestrator'))).to.equal(false);
    const only = await cli(['run', plan, '--run-dir', dir, '--dry-run', '--only', 'b']);
    expect(only.stdout.split('\n').filter((l) => /^\d+ /.test(l)).map((l) => l.split(/\s+/)[2])).to.deep.equal(['a', 'b']);
    const bad = await cli(['run', plan, '--run-dir', dir, '--only', 'bb']);
    expect(bad.exitCode).to.equal(2);
    expect(bad.stderr).to.include("no task 'bb'").and.include("did you mean 'b'");
  });

  it('run --only runs those tasks and what they need; rerun runs a done task and its dependents again', async () => {
    const r = await cli(['run', plan, '--run-dir', dir, '--only', 'b']);
    expect(r.exitCode, r.stderr).to.equal(0);
    expect((await status(dir)).tasks.map((t) => `${t.id}:${t.status}`)).to.deep.equal(['a:done', 'b:done']);

    expect((await cli(['run', plan, '--run-dir', dir, '--only', 'd'])).exitCode).to.equal(0);
    const rerun = await cli(['rerun', 'c', '--run-dir', dir]);
    expect(rerun.exitCode, rerun.stderr).to.equal(0);
    expect(rerun.stdout).to.include('c and 1 task(s) downstream (d)');
    const mid = await status(dir);
    expect(mid.tasks.map((t) => `${t.id}:${t.status}`)).to.deep.equal(['a:done', 'b:done', 'c:ready', 'd:pending']);
    const again = await cli(['run', plan, '--run-dir', dir, '--only', 'd']);
    expect(again.exitCode, again.stderr).to.equal(0);
    expect(again.stdout).to.match(/▶ c [pq]/);
    expect((await status(dir)).status).to.equal('finished');

    const notDone = await cli(['rerun', 'nope', '--run-dir', dir]);
    expect(notDone.exitCode).to.equal(2);
    expect(notDone.stderr).to.include('no task nope');
  });

  it('status --json carries makespan, lower bound, ETA and critical path; failures in red on a terminal only', async () => {
    const r = await cli(['run', plan, '--run-dir', dir], { env: { FORCE_COLOR: '1' } });
    expect(r.exitCode).to.equal(1);
    expect(r.stdout).to.match(/\x1b\[31m\S+ ✖ x/);
    const plain = await cli(['run', plan, '--run-dir', dir, '--fresh'], { env: { FORCE_COLOR: '1', NO_COLOR: '1' } });
    expect(plain.stdout).to.not.include('\x1b[');
    const s = JSON.parse((await cli(['status', '--json', '--run-dir', dir])).stdout) as Record<string, unknown>;
    expect(s).to.include.keys('makespanMs', 'lowerBoundMs', 'etaMs', 'criticalPath', 'elapsedMs');
    expect(s.criticalPath).to.have.length(3).and.include('a').and.include('d'); // learned durations decide b or c
    expect(s.lowerBoundMs).to.be.a('number').and.be.greaterThan(0);
  });

  it('completion bash|zsh prints a script for every command; anything else is a usage error', async () => {
    const bash = await cli(['completion', 'bash']);
    expect(bash.exitCode).to.equal(0);
    expect(bash.stdout).to.include('complete -o filenames -F _orchestrator orchestrator').and.include('logs) opts="--follow -f --run-dir --help"');
    expect((await execa('bash', ['-n'], { input: bash.stdout, reject: false })).exitCode).to.equal(0);
    const words = await execa('bash', ['-c', `${bash.stdout}\nCOMP_WORDS=(orchestrator re); COMP_CWORD=1; _orchestrator; echo "\${COMPREPLY[@]}"`]);
    expect(words.stdout.trim().split(' ')).to.include.members(['rerun', 'reset', 'retry']);
    const zsh = await cli(['completion', 'zsh']);
    expect(zsh.stdout).to.match(/^#compdef orchestrator/);
    expect((await cli(['completion', 'fish'])).exitCode).to.equal(2);
  });

  it('colour: on a terminal only, never with NO_COLOR; the dashboard filter keeps bold and reverse', () => {
    expect(colourEnabled({ isTTY: true, env: {} })).to.equal(true);
    expect(colourEnabled({ isTTY: false, env: {} })).to.equal(false);
    expect(colourEnabled({ isTTY: true, env: { NO_COLOR: '1' } })).to.equal(false);
    expect(colourEnabled({ isTTY: true, env: { TERM: 'dumb' } })).to.equal(false);
    expect(stripColourSgr('\x1b[1;31mA\x1b[0m \x1b[38;5;208mB\x1b[7;44mC\x1b[39m')).to.equal('\x1b[1mA\x1b[0m B\x1b[7mC');
  });
});
