/**
 * `--interval` on `run` and `launch` (issue 5: the keep-alive interval is configurable in the
 * plan and by flag, 10 s at most): parsed and checked like `keep-alive --interval`, and written
 * into the run's plan copy, which every process of the run (monitor, control pane, workers'
 * heartbeat) reads. Real CLI; launch on a private tmux server.
 */
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cli, removeDir, tempDir, writePlan } from '../helpers/cli.js';
import { TestServer } from '../helpers/tmux-server.js';

const planCopyInterval = (runDir: string) => (JSON.parse(readFileSync(join(runDir, '.orchestrator', 'plan.json'), 'utf8')) as { keepAliveIntervalMs: number }).keepAliveIntervalMs;

describe('--interval on run and launch', function () {
  this.timeout(180_000);
  let dir: string;
  beforeEach(() => {
    dir = tempDir('orch-');
  });
  afterEach(() => removeDir(dir));

  it('run: the flag overrides the plan\'s keep_alive.interval for the whole run; without it the plan\'s holds', async () => {
    const plan = writePlan(dir, [{ id: 'A', run: 'true' }], { keep_alive: { interval: '3s' } });
    const withFlag = await cli(['run', plan, '--run-dir', join(dir, 'a'), '--interval', '500ms']);
    expect(withFlag.exitCode, withFlag.stderr).to.equal(0);
    expect(planCopyInterval(join(dir, 'a'))).to.equal(500);
    const seconds = await cli(['run', plan, '--run-dir', join(dir, 'b'), '--interval', '1.5']);
    expect(seconds.exitCode, seconds.stderr).to.equal(0);
    expect(planCopyInterval(join(dir, 'b'))).to.equal(1500);
    const without = await cli(['run', plan, '--run-dir', join(dir, 'c')]);
    expect(without.exitCode, without.stderr).to.equal(0);
    expect(planCopyInterval(join(dir, 'c'))).to.equal(3000);
  });

  it('run and launch refuse what keep-alive refuses, with the same message (exit 2, nothing started)', async () => {
    const plan = writePlan(dir, [{ id: 'A', run: 'true' }]);
    for (const bad of ['11s', '100ms', 'soon']) {
      const expected = `error: --interval must be a duration from 200ms to 10s (e.g. 2s, 500ms), got '${bad}'`;
      const ka = await cli(['keep-alive', '--run-dir', join(dir, 'ka'), '--interval', bad]);
      for (const r of [ka, await cli(['run', plan, '--run-dir', join(dir, 'r'), '--interval', bad]), await cli(['launch', plan, '--run-dir', join(dir, 'l'), '--socket', 'orch-never-started', '--interval', bad])]) {
        expect(r.exitCode, r.stderr).to.equal(2);
        expect(r.stderr.trim().split('\n')[0]).to.equal(expected);
      }
    }
    const help = await cli(['run', '--help']);
    expect(help.stdout).to.match(/--interval <duration>\s+keep-alive check interval, 200ms\.\.10s/);
  });

  it('launch: the control pane\'s monitor and the quad panes read the interval from the run\'s plan copy', async () => {
    const server = new TestServer();
    const runDir = join(dir, 'q');
    try {
      const plan = writePlan(dir, [{ id: 'A', run: 'true' }]);
      const r = await server.cli(['launch', plan, '--socket', server.socket, '--run-dir', runDir, '--agents', '2', '--quads', '1', '--size', '120x40', '--interval', '700ms']);
      expect(r.exitCode, r.stderr).to.equal(0);
      expect(planCopyInterval(runDir)).to.equal(700);
    } finally {
      await server.cleanUp(runDir);
    }
  });
});
