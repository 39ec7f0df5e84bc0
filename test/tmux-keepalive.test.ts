/**
 * Quad mode's keep-alive: the control process watches the quad panes and, when a worker's
 * pane process is killed, respawns it in the same pane (same pane id, new pid); the run still
 * completes. Real tmux on a PRIVATE socket.
 */
import { expect } from 'chai';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir, waitFor } from './helpers/cli.js';
import { TestServer } from './helpers/tmux-server.js';
import { doneCount, runState } from './helpers/run-state.js';

/** Eight short tasks, and a gate the test opens once the respawn was seen (so the run outlasts it). */
function planText(release: string): string {
  const tasks = Array.from({ length: 8 }, (_, i) => `  - { id: t${i + 1}, run: "sleep 1.5" }`);
  tasks.push(`  - { id: gate, run: "until [ -f '${release}' ]; do sleep 0.2; done" }`, '  - { id: last, run: "true", needs: [gate, t1] }');
  return `version: 1\nname: steady\nworkdir: work\nkeep_alive: { interval: 1s }\ntasks:\n${tasks.join('\n')}\n`;
}

describe('quad terminal: keep-alive respawns a killed worker in its pane (real tmux, private socket)', function () {
  this.timeout(240_000);
  let server: TestServer;
  let dir: string;
  beforeEach(() => {
    server = new TestServer();
    dir = tempDir('quadterm-');
  });
  afterEach(() => server.cleanUp(dir));

  it('a SIGKILLed quad pane process comes back in the same pane and the run completes', async () => {
    const plan = join(dir, 'steady.yaml');
    writeFileSync(plan, planText(join(dir, 'release')));
    const r = await server.cli(['launch', plan, '--socket', server.socket, '--run-dir', dir, '--size', '120x40']);
    expect(r.exitCode, r.stderr).to.equal(0);
    await waitFor('quad 2 heartbeating', async () => (await runState(dir))?.groups['2']?.status === 'running' || undefined, 60_000, 200);
    const before = (await server.panes()).find((p) => p.role === 'quad-2')!;
    process.kill(before.pid, 'SIGKILL');

    const after = await waitFor('quad 2 respawned in its pane', async () => {
      const p = (await server.panes()).find((x) => x.role === 'quad-2');
      return p && !p.dead && p.pid !== before.pid ? p : undefined;
    }, 60_000, 200);
    expect(after.id).to.equal(before.id);
    expect(after.title).to.equal('Quad 2 · Services');
    expect(after.start).to.include('worker --quad 2');

    writeFileSync(join(dir, 'release'), '');
    await waitFor('all 10 done', async () => doneCount(await runState(dir)) === 10 || undefined, 120_000, 300);
    const s = (await runState(dir))!;
    expect(s.groups['2']!.restarts).to.be.at.least(1);
    expect(s.alerts.some((a) => a.kind === 'group-restarted' && a.quad === 2)).to.equal(true);
    expect(readFileSync(join(dir, 'logs', 'keep_alive.log'), 'utf8')).to.match(/quad 2/);
    // The respawned process is recorded for `stop`.
    const rec = JSON.parse(readFileSync(join(dir, '.orchestrator', 'tmux-session.json'), 'utf8')) as { procs: Array<{ pid: number }> };
    expect(rec.procs.map((p) => p.pid)).to.include(after.pid);
  });
});
