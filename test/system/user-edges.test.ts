/**
 * What a user meets at the edges: no stack trace and exit 2 for a command with no run
 * (state recover, logs), `./launch.sh --help`, keep_alive.log there from the start, and the
 * `logs` command (a task, an agent, everything interleaved, -f).
 */
import { expect } from 'chai';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { PACKAGE_ROOT } from '../../orchestrator/run-dir/paths.js';
import { cli, cliProcess, removeDir, tempDir, waitFor, writePlan } from '../helpers/cli.js';

describe('user edges: no run, --help, logs', function () {
  this.timeout(120_000);
  let dir: string;
  beforeEach(() => (dir = tempDir('edges-')));
  afterEach(() => removeDir(dir));

  it('state recover and logs in a folder with no run: a plain message, exit 2, nothing created', async () => {
    for (const args of [['state', 'recover'], ['logs'], ['logs', '-f'], ['status'], ['report'], ['rerun', 'x']]) {
      const r = await cli([...args, '--run-dir', dir]);
      expect(r.exitCode, args.join(' ')).to.equal(2);
      expect(r.stderr, args.join(' ')).to.match(/no run/);
      expect(r.stderr, args.join(' ')).to.not.match(/internal error|\n\s+at /);
    }
    expect(readdirSync(dir)).to.deep.equal([]);
  });

  it('./launch.sh --help prints the usage (exit 0)', async () => {
    const r = await execa(join(PACKAGE_ROOT, 'launch.sh'), ['--help'], { reject: false });
    expect(r.exitCode).to.equal(0);
    expect(r.stdout).to.include('./launch.sh CHOICE [ARGS]').and.include('quad').and.include('Extra arguments');
    expect(r.stdout).to.not.include('set -uo');
  });

  it('logs: a task, an agent, everything interleaved by time; keep_alive.log from the start', async () => {
    const plan = writePlan(dir, [{ id: 'a', run: 'echo out-of-a' }, { id: 'b', run: 'echo out-of-b; exit 3', needs: ['a'] }], { agents: [{ name: 'alpha', quad: 1 }, { name: 'beta', quad: 1 }] });
    expect((await cli(['run', plan, '--run-dir', dir])).exitCode).to.equal(1);
    expect(existsSync(join(dir, 'logs', 'keep_alive.log'))).to.equal(true);

    const task = await cli(['logs', 'b', '--run-dir', dir]);
    expect(task.exitCode).to.equal(0);
    expect(task.stdout).to.include('out-of-b').and.include('FAILED').and.not.include('out-of-a');
    expect(task.stdout).to.not.include('\x1b['); // a pipe: no colour

    const agent = await cli(['logs', 'alpha', '--run-dir', dir]);
    expect(agent.exitCode).to.equal(0);
    expect(agent.stdout).to.include('ready in quad 1');

    const all = await cli(['logs', '--run-dir', dir]);
    const lines = all.stdout.trim().split('\n');
    expect(lines.some((l) => /^\d\d:\d\d:\d\d\.\d{3} orchestrator +run started/.test(l)), all.stdout).to.equal(true);
    expect(lines.some((l) => / (alpha|beta) +a \| out-of-a$/.test(l)), all.stdout).to.equal(true);
    const times = lines.map((l) => l.slice(0, 12));
    expect(times).to.deep.equal([...times].sort());

    const coloured = await cli(['logs', 'b', '--run-dir', dir], { env: { FORCE_COLOR: '1' } });
    expect(coloured.stdout).to.include('\x1b[31m=== FAILED');
    const plain = await cli(['logs', 'b', '--run-dir', dir], { env: { FORCE_COLOR: '1', NO_COLOR: '1' } });
    expect(plain.stdout).to.not.include('\x1b[');

    const unknown = await cli(['logs', 'alpah', '--run-dir', dir]);
    expect(unknown.exitCode).to.equal(2);
    expect(unknown.stderr).to.include("did you mean 'alpha'");
  });

  it('logs -f follows a task log as it grows', async () => {
    const plan = writePlan(dir, [{ id: 'slow', run: 'echo first; sleep 2; echo second' }]);
    const run = cliProcess(['run', plan, '--run-dir', dir]);
    await waitFor('the run prepared', () => existsSync(join(dir, '.orchestrator', 'plan.json')) || undefined, 30_000);
    const follow = cliProcess(['logs', 'slow', '-f', '--run-dir', dir]);
    let out = '';
    follow.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    try {
      await waitFor('second in the followed log', () => out.includes('second') || undefined, 60_000, 100);
      expect(out.indexOf('first')).to.be.lessThan(out.indexOf('second'));
    } finally {
      follow.kill('SIGINT');
      await follow;
      await run;
    }
    expect(readFileSync(join(dir, 'logs', 'tasks', 'slow.log'), 'utf8')).to.include('second');
  });
});
