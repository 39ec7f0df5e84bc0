/**
 * Quad pane workers know their supervisor: the session's control process, by the control role
 * (not by a pid: the control pane starts after the quads and may be respawned). A respawned
 * control pane takes the role and the workers carry on; a control process gone for good, with
 * no successor, makes them stop claiming and end their tasks instead of running unsupervised.
 * Real tmux on a PRIVATE socket.
 */
import { expect } from 'chai';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pidAlive, tempDir, waitFor } from '../helpers/cli.js';
import { describePids, TestServer, waitGone } from '../helpers/tmux-server.js';
import { runState } from '../helpers/run-state.js';
import { liveHolder } from '../../orchestrator/supervisors/seats.js';
import { CONTROL_GRACE_MS } from '../../workers/supervisor-watch.js';
import { readProcTable } from '../../workers/os/process-tree.js';
import { runTaskProcs } from '../../orchestrator/supervisors/worker-process.js';

/** Three tasks that run until the test ends them, one per quad (a quad's agents take one each). */
function planText(): string {
  const tasks = [1, 2, 3].map((q) => `  - { id: hold${q}, run: "sleep 600" }`);
  const agents = [1, 2, 3].map((q) => `  - { name: a${q}, quad: ${q} }`);
  return `version: 1\nname: held\nworkdir: work\nkeep_alive: { interval: 1s }\nagents:\n${agents.join('\n')}\ntasks:\n${tasks.join('\n')}\n`;
}

describe("quad pane workers follow the session's control process (real tmux, private socket)", function () {
  this.timeout(240_000);
  let server: TestServer;
  let dir: string;
  beforeEach(() => {
    server = new TestServer();
    dir = tempDir('quadsup-');
  });
  afterEach(() => server.cleanUp(dir));

  it('a respawned control pane keeps the workers; a control process gone for good stops them and their tasks', async () => {
    const plan = join(dir, 'held.yaml');
    writeFileSync(plan, planText());
    const stateDir = join(dir, '.orchestrator');
    const r = await server.cli(['launch', plan, '--socket', server.socket, '--run-dir', dir, '--size', '160x48']);
    expect(r.exitCode, r.stderr).to.equal(0);
    const running = async () => {
      const s = await runState(dir);
      return s && [1, 2, 3].every((q) => s.tasks[`hold${q}`]?.status === 'running' && s.groups[String(q)]?.status === 'running') ? s : undefined;
    };
    await waitFor('three tasks running, one per quad', running, 90_000, 200);
    const quads = (await server.panes()).filter((p) => p.role.startsWith('quad-'));
    expect(quads.map((p) => p.dead)).to.deep.equal([false, false, false]);
    const control = (await server.panes()).find((p) => p.role === 'control')!;
    await waitFor('the control process holds the control role', () => liveHolder(stateDir, 'control')?.pid === control.pid || undefined, 60_000, 100);

    // Respawned: a new control process (new pid) takes the role; the workers stay, past their grace.
    await server.tmux(['respawn-pane', '-k', '-t', control.id]);
    const respawned = await waitFor('a new control process', async () => {
      const p = (await server.panes()).find((x) => x.role === 'control');
      return p && !p.dead && p.pid !== control.pid ? p : undefined;
    }, 30_000, 100);
    await waitFor('the new control process takes the role', () => liveHolder(stateDir, 'control')?.pid === respawned.pid || undefined, 60_000, 100).catch(async (e: Error) => {
      // What the next look needs: the seat file, whether either control process lives, the pane's screen.
      let seat: string;
      try {
        seat = readFileSync(join(stateDir, 'control.pid'), 'utf8').trim();
      } catch (err) {
        seat = `(${(err as Error).message})`;
      }
      const screen = await server.tmux(['capture-pane', '-p', '-t', respawned.id]).catch((err: Error) => err.message);
      throw new Error(`${e.message}; seat ${seat}; old ${control.pid} alive ${pidAlive(control.pid)}, new ${respawned.pid} alive ${pidAlive(respawned.pid)}; pane:\n${screen}`);
    });
    const until = Date.now() + CONTROL_GRACE_MS + 5000;
    while (Date.now() < until) {
      await new Promise((res) => setTimeout(res, 500));
      for (const q of quads) expect(pidAlive(q.pid), `quad pane ${q.role} (pid ${q.pid}) still running`).to.equal(true);
    }
    expect(await running(), 'the tasks still running').to.not.equal(undefined);

    // Gone for good (no respawn, no keep-alive monitor): the workers stop and end their tasks.
    const tasks = runTaskProcs(dir, readProcTable()).map((p) => p.pid);
    expect(tasks.length).to.be.at.least(3);
    process.kill(respawned.pid, 'SIGKILL');
    const left = await waitGone([...quads.map((q) => q.pid), ...tasks], CONTROL_GRACE_MS + 30_000);
    expect(left, `still running:\n${describePids(left)}`).to.deep.equal([]);
    const s = (await runState(dir))!;
    for (const q of [1, 2, 3]) expect(s.groups[String(q)]!.status).to.equal('stopped');
    for (const q of [1, 2, 3]) expect(s.tasks[`hold${q}`]!.status).to.equal('ready');
  });
});
