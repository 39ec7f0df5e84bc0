/**
 * Nothing is left behind: `tmux -L <private socket> kill-session` alone (the user's habit, on the
 * test's own server) and `orchestrator stop` (with a wedged worker) end every process the session
 * started — task process groups, a background grandchild and a pty task included — and
 * ./launch.sh's status, stop and no-TTY usage paths. Real tmux on a PRIVATE socket; descendants
 * collected from /proc before the kill.
 */
import { expect } from 'chai';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { cli, cliEnv, events, removeDir, tempDir, waitFor } from '../helpers/cli.js';
import { descendants, describePids, TestServer, waitGone } from '../helpers/tmux-server.js';
import { runState } from '../helpers/run-state.js';
import { PACKAGE_ROOT } from '../../orchestrator/run-dir/paths.js';

const SLEEPY = `version: 1
name: sleepy
workdir: work
tasks:
  - { id: s1, run: "sleep 1000; true" }
  - { id: s2, run: "sh -c 'sleep 1000 & sleep 1000; wait'" }
  - { id: s3, run: "sleep 1000", pty: true }
`;

describe('quad terminal: stop leaves nothing behind (real tmux, private socket)', function () {
  this.timeout(240_000);
  let server: TestServer;
  let dir: string;
  let plan: string;
  beforeEach(() => {
    server = new TestServer();
    dir = tempDir('quadterm-');
    plan = join(dir, 'sleepy.yaml');
    writeFileSync(plan, SLEEPY);
  });
  afterEach(() => server.cleanUp(dir));

  /** Launches the sleepy plan and returns every process below the panes once all three tasks run. */
  async function launchSleepy(): Promise<number[]> {
    const r = await server.cli(['launch', plan, '--socket', server.socket, '--run-dir', dir, '--size', '120x40']);
    expect(r.exitCode, r.stderr).to.equal(0);
    await waitFor('three running tasks with their processes', async () => {
      const s = await runState(dir);
      return s && Object.values(s.tasks).filter((t) => t.status === 'running' && t.pgid).length === 3 ? true : undefined;
    }, 60_000, 250);
    // The control process is up (it records the interruption later).
    const control = (await server.panes()).find((p) => p.role === 'control')!;
    await waitFor('the control pane drawing', async () => (/groups:|Agents/.test(await server.capture(control.id)) ? true : undefined), 30_000, 200)
      .catch(async (e) => {
        throw new Error(`${(e as Error).message}; control pane:\n${await server.capture(control.id)}`);
      });
    const roots = (await server.panes()).map((p) => p.pid);
    // 5 pane processes, and per task its shell and sleeps (s2: a background grandchild too).
    const all = await waitFor('the task processes', () => {
      const d = descendants(roots);
      return d.length >= 5 + 7 ? d : undefined;
    }, 20_000, 200);
    return all;
  }

  /** kill-session on our server only; every process in `all` gone within 5 s; the run then marked interrupted. */
  async function killSessionAndSettle(all: number[]) {
    await server.tmux(['kill-session', '-t', '=orchestrator']); // server.tmux always passes -L server.socket
    const left = await waitGone(all, 5000);
    expect(left, `still running:\n${describePids(left)}`).to.deep.equal([]);
    return waitFor('the run marked interrupted', async () => {
      const st = await runState(dir);
      return st?.meta.status === 'interrupted' ? st : undefined;
    }, 10_000, 200);
  }

  it('tmux -L <test socket> kill-session alone: every descendant of the pane processes is gone within 5 s', async () => {
    const all = await launchSleepy();
    // The workers hand their tasks back; the control process records the interruption.
    const s = await killSessionAndSettle(all);
    const why = () => `events:\n${events(dir).slice(-15).map((e) => JSON.stringify(e)).join('\n')}`;
    expect(Object.values(s.tasks).map((t) => `${t.id} ${t.status} lost ${t.lost ?? 0}`), why()).to.deep.equal(['s1 ready lost 0', 's2 ready lost 0', 's3 ready lost 0']);
    expect(s.alerts.filter((a) => a.kind.startsWith('group-')).map((a) => a.message), why()).to.deep.equal([]);
  });

  it('kill-session just after every worker was SIGKILLed: the control process hands their tasks back and ends them', async () => {
    const all = await launchSleepy();
    for (const q of (await server.panes()).filter((p) => p.role.startsWith('quad-'))) process.kill(q.pid, 'SIGKILL');
    const s = await killSessionAndSettle(all);
    expect(Object.values(s.tasks).map((t) => `${t.id} ${t.status}`)).to.deep.equal(['s1 ready', 's2 ready', 's3 ready']);
  });

  it('orchestrator stop ends a wedged worker and its sleep 1000 task too', async () => {
    const all = await launchSleepy();
    const q1 = (await server.panes()).find((p) => p.role === 'quad-1')!;
    process.kill(q1.pid, 'SIGSTOP'); // wedged: it cannot handle the hangup
    // Run from elsewhere without --run-dir: the session knows its run.
    const elsewhere = tempDir('quadterm-cwd-');
    const r = await cli(['stop', '--grace', '1500'], { cwd: elsewhere, env: { ORCHESTRATOR_TMUX_SOCKET: server.socket } }).finally(() => removeDir(elsewhere));
    expect(r.exitCode, r.stdout + r.stderr).to.equal(0);
    expect(r.stdout).to.match(/stopped tmux session 'orchestrator': \d+ processes ended/);
    const left = await waitGone(all, 5000);
    expect(left, `still running:\n${describePids(left)}`).to.deep.equal([]);
    expect(await server.hasSession()).to.equal(false);
    expect(existsSync(join(dir, '.orchestrator', 'tmux-session.json'))).to.equal(false);
    expect((await runState(dir))?.meta.status).to.equal('interrupted');
    const again = await server.cli(['stop', '--socket', server.socket, '--run-dir', dir]);
    expect(again.exitCode).to.equal(0);
    expect(again.stdout).to.include('no tmux session');
  });

  it('./launch.sh quad, status and stop for scripts; no terminal and no choice → usage, exit 2', async () => {
    const sh = join(PACKAGE_ROOT, 'launch.sh');
    const env = { ORCHESTRATOR_TMUX_SOCKET: server.socket, ORCHESTRATOR_RUN_DIR: dir };
    const run = (args: string[]) => execa(sh, args, { env: cliEnv(env), extendEnv: false, reject: false, stdin: 'ignore', timeout: 180_000 });
    const q = await run(['quad', plan, '--size', '100x30']);
    expect(q.exitCode, String(q.stderr)).to.equal(0);
    expect(await server.hasSession()).to.equal(true);
    await waitFor('running tasks', async () => Object.values((await runState(dir))?.tasks ?? {}).some((t) => t.status === 'running') || undefined, 60_000, 250);
    const roots = (await server.panes()).map((p) => p.pid);
    const all = descendants(roots);

    const st = await run(['status']);
    expect(st.exitCode, String(st.stderr)).to.equal(0);
    expect(String(st.stdout)).to.include('sleepy');

    const stop = await run(['stop']);
    expect(stop.exitCode, String(stop.stderr)).to.equal(0);
    expect(String(stop.stdout)).to.include("stopped tmux session 'orchestrator'");
    expect(await server.hasSession()).to.equal(false);
    const left = await waitGone(all, 5000);
    expect(left, describePids(left)).to.deep.equal([]);

    const usage = await run([]);
    expect(usage.exitCode).to.equal(2);
    expect(String(usage.stderr)).to.include('no terminal for the menu').and.include('quad');
  });
});
