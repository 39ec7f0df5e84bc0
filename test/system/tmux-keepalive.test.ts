/**
 * Quad mode's keep-alive: the control process watches the quad panes and, when a worker's
 * pane process is killed, respawns it in the same pane (same pane id, new pid); the run still
 * completes. A renamed session is still watched (and stopped) by its id, and a killed
 * session is the user's stop, never a crash. Real tmux on a PRIVATE socket.
 */
import { expect } from 'chai';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir, waitFor } from '../helpers/cli.js';
import { TestServer } from '../helpers/tmux-server.js';
import { doneCount, runState } from '../helpers/run-state.js';
import { runPaths } from '../../orchestrator/run-dir/paths.js';
import { TmuxSupervisor } from '../../panes/tmux/tmux-supervisor.js';
import { Tmux } from '../../panes/tmux/tmux.js';

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
    // The respawn keeps the pane's title (a plan without agents has generic quads: 'Quad 2').
    expect(before.title).to.match(/^Quad 2\b/);
    expect(after.title).to.equal(before.title);
    expect(after.start).to.include('worker --quad 2');

    writeFileSync(join(dir, 'release'), '');
    await waitFor('all 10 done', async () => doneCount(await runState(dir)) === 10 || undefined, 120_000, 300);
    const s = (await runState(dir))!;
    expect(s.groups['2']!.restarts).to.be.at.least(1);
    expect(s.alerts.some((a) => a.kind === 'group-restarted' && a.quad === 2)).to.equal(true);
    expect(readFileSync(join(dir, 'logs', 'keep_alive.log'), 'utf8')).to.match(/quad 2/);
    // The respawned process is recorded for `stop`. The control process records it once tmux
    // tells it the new pid, after the respawn the test already saw: the run may end first.
    const recorded = () => (JSON.parse(readFileSync(join(dir, '.orchestrator', 'tmux-session.json'), 'utf8')) as { procs: Array<{ pid: number }> }).procs.map((p) => p.pid);
    await waitFor('the respawned pane process recorded', async () => recorded().includes(after.pid) || undefined, 30_000, 100).catch(() => undefined);
    expect(recorded()).to.include(after.pid);
  });

  it('a renamed session is still watched: no group is taken for dead, every task runs once', async () => {
    const plan = join(dir, 'rename.yaml');
    const tasks = ['a', 'b', 'c'].map((id) => `  - { id: ${id}, run: "sleep 2.5" }`).join('\n');
    writeFileSync(plan, `version: 1\nname: renamed\nworkdir: work\nkeep_alive: { interval: 500ms }\ntasks:\n${tasks}\n`);
    const r = await server.cli(['launch', plan, '--socket', server.socket, '--run-dir', dir, '--size', '120x40']);
    expect(r.exitCode, r.stderr).to.equal(0);
    await waitFor('three running tasks', async () => Object.values((await runState(dir))?.tasks ?? {}).filter((t) => t.status === 'running').length === 3 || undefined, 60_000, 100);
    await server.tmux(['rename-session', '-t', '=orchestrator', 'renamed']);
    const s = await waitFor('the run over', async () => {
      const st = await runState(dir);
      return st && st.meta.status !== 'running' ? st : undefined;
    }, 60_000, 200);
    const summary = (t: { id: string; status: string; attempts: number; lost?: number }) => `${t.id} ${t.status} attempts ${t.attempts} lost ${t.lost ?? 0}`;
    expect(Object.values(s.tasks).map(summary)).to.deep.equal(['a done attempts 1 lost 0', 'b done attempts 1 lost 0', 'c done attempts 1 lost 0']);
    expect(s.alerts.map((a) => a.message)).to.deep.equal([]);
    expect(Object.values(s.groups).map((g) => g.restarts)).to.deep.equal([0, 0, 0]);
    // `stop` finds the renamed session through the id the launch recorded.
    const stop = await server.cli(['stop', '--socket', server.socket, '--run-dir', dir]);
    expect(stop.exitCode, stop.stdout + stop.stderr).to.equal(0);
    expect(stop.stdout).to.include("stopped tmux session 'orchestrator'");
    expect(await server.hasSession('renamed')).to.equal(false);
  });

  it('the supervisor tells a killed session (ended) from a crashed pane, and follows a rename', async () => {
    await server.tmux(['new-session', '-d', '-s', 'orchestrator', '-x', '80', '-y', '24', 'sleep', '300']);
    await server.tmux(['set-option', '-p', '-t', '=orchestrator:', '@orch-pane', 'quad-1']);
    const tmux = await new Tmux({ socket: server.socket }).pinned();
    expect(tmux.target()).to.match(/^\$\d+$/);
    const cmd = { node: process.execPath, cliJs: 'unused', runDir: dir, session: 'orchestrator', socket: server.socket };
    const sup = new TmuxSupervisor(tmux, cmd, [{ id: 1, name: 'Quad 1' }], runPaths(dir));
    await sup.refresh();
    expect([sup.alive(1), sup.ended()]).to.deep.equal([true, false]);
    await server.tmux(['rename-session', '-t', '=orchestrator', 'elsewhere']);
    await sup.refresh();
    expect([sup.alive(1), sup.ended()]).to.deep.equal([true, false]);
    // A new session under the old name is not ours.
    await server.tmux(['new-session', '-d', '-s', 'orchestrator', 'sleep', '300']);
    expect((await tmux.panes()).map((p) => p.role)).to.deep.equal(['quad-1']);
    await server.tmux(['kill-session', '-t', '=elsewhere']);
    await sup.refresh();
    expect(sup.ended()).to.equal(true);
    expect(await tmux.presence()).to.equal('gone');
  });

  it("a server left with no session at all (as while it shuts down after kill-session) means gone, not unknown", async () => {
    await server.tmux(['new-session', '-d', '-s', 'orchestrator', 'sleep', '300']);
    const tmux = await new Tmux({ socket: server.socket }).pinned();
    // Keep the emptied server up, as it briefly is when the last session is killed.
    await server.tmux(['set-option', '-s', 'exit-empty', 'off']);
    await server.tmux(['kill-session', '-t', '=orchestrator']);
    expect(await tmux.presence()).to.equal('gone');
    expect(await tmux.settledPresence(1000)).to.equal('gone');
    await server.tmux(['kill-server']);
    expect(await tmux.presence()).to.equal('gone');
  });
});
