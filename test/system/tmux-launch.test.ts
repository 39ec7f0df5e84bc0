/**
 * `orchestrator launch` on a real tmux server with a PRIVATE socket (never the user's server):
 * the window, its panes, titles and commands, the logs window, session-scoped options, the
 * default plan completing in quad mode, the layout at 80×24 and with --agents 6 --quads 2,
 * and the guard rails.
 */
import { expect } from 'chai';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as pty from 'node-pty';
import { CLI_JS } from '../../orchestrator/run-dir/paths.js';
import { cli, cliEnv, removeDir, tempDir, waitFor } from '../helpers/cli.js';
import { TestServer } from '../helpers/tmux-server.js';
import { doneCount, runState } from '../helpers/run-state.js';
import { writeDefaultPlanShape } from '../helpers/default-plan-shape.js';

const NAMES_Q1 = ['Core-Setup-Agent', 'Voice-Synthesis', 'Lip-Sync-Agent', 'Avatar-Agent'];

describe('quad terminal: launch (real tmux, private socket)', function () {
  this.timeout(240_000);
  let server: TestServer;
  let dir: string;
  beforeEach(() => {
    server = new TestServer();
    dir = tempDir('quadterm-');
  });
  afterEach(() => server.cleanUp(dir));

  const launch = (...args: string[]) => server.cli(['launch', '--socket', server.socket, '--run-dir', dir, ...args]);

  async function waitDone(total: number): Promise<void> {
    await waitFor(`${total} tasks done`, async () => doneCount(await runState(dir)) === total || undefined, 180_000, 500);
  }

  async function paneByRole(role: string) {
    return (await server.panes()).find((p) => p.role === role)!;
  }

  it('builds one window of titled panes running their commands, a logs window, and completes the default plan', async () => {
    const r = await launch('--size', '200x60');
    expect(r.exitCode, r.stderr).to.equal(0);
    expect(r.stdout).to.include('orchestrator attach').and.include('orchestrator stop');
    expect((await server.tmux(['list-windows', '-t', '=orchestrator', '-F', '#{window_name}'])).trim().split('\n')).to.deep.equal(['quads', 'logs']);
    const lines = (await server.tmux(['list-panes', '-t', '=orchestrator:quads', '-F', '#{pane_title} #{pane_start_command}'])).trim().split('\n');
    expect(lines).to.have.length(4);
    const titles = ['Quad 1 · Core Build', 'Quad 2 · Services', 'Quad 3 · Deploy & QA', 'Control'];
    lines.forEach((l, i) => expect(l.startsWith(titles[i]!), l).to.equal(true));
    for (let q = 1; q <= 3; q++) expect(lines[q - 1]).to.include(`dist/bin/worker-cli.js worker --quad ${q} --run-dir ${dir}`);
    expect(lines[3]).to.include(`dist/bin/cli.js control --run-dir ${dir}`);
    const logs = (await server.tmux(['list-panes', '-t', '=orchestrator:logs', '-F', '#{pane_start_command}'])).trim();
    expect(logs).to.include('tail').and.include(join(dir, 'logs', 'orchestrator.log'));
    // Our options live on the session and window; the server's globals keep their defaults.
    expect((await server.tmux(['show-options', '-w', '-t', '=orchestrator:quads', 'remain-on-exit'])).trim()).to.equal('remain-on-exit on');
    expect((await server.tmux(['show-options', '-w', '-t', '=orchestrator:quads', 'pane-border-status'])).trim()).to.equal('pane-border-status top');
    expect((await server.tmux(['show-options', '-gw', 'remain-on-exit'])).trim()).to.equal('remain-on-exit off');
    expect((await server.tmux(['show-options', '-g', 'mouse'])).trim()).to.equal('mouse off');

    await waitDone(20);
    const q1 = await waitFor('quad 1 to finish', async () => {
      const p = await paneByRole('quad-1');
      return p.dead ? p : undefined;
    }, 60_000, 250);
    const text = await server.capture(q1.id);
    for (const n of ['Core-Setup-Agent', 'Voice-Synthesis-Agent', 'Lip-Sync-Agent', 'Avatar-Agent']) expect(text, text).to.include(n);
    const control = await paneByRole('control');
    const summary = await waitFor('the summary in the control pane', async () => {
      const t = await server.capture(control.id);
      // The dashboard says so on its status line, the plain view in its summary.
      return t.includes('20/20 done') && (t.includes('all tasks done') || t.includes('· finished')) ? t : undefined;
    }, 30_000, 250);
    expect(summary).to.include('T020');
    expect((await paneByRole('control')).dead, 'the control pane stays').to.equal(false);
  });

  // The layout tests run the default plan's shape (its quads, agents and graph, every task
  // `true`): the panes, names and summary are the same; the real tasks run in the test above.
  it('fits an 80×24 terminal: 2×2 panes of about 40×11, names still recognisable', async () => {
    const r = await launch(writeDefaultPlanShape(dir), '--size', '80x24');
    expect(r.exitCode, r.stderr).to.equal(0);
    const panes = (await server.panes()).filter((p) => p.window === 'quads');
    expect(panes.map((p) => p.role)).to.deep.equal(['quad-1', 'quad-2', 'quad-3', 'control']);
    for (const p of panes) {
      expect(p.width, p.title).to.be.within(39, 40);
      expect(p.height, p.title).to.be.within(9, 12);
    }
    await waitDone(20);
    const q1 = panes[0]!;
    const text = await waitFor('quad 1 final picture', async () => {
      const t = await server.capture(q1.id);
      return NAMES_Q1.every((n) => t.includes(n)) ? t : undefined;
    }, 60_000, 250);
    for (const line of text.split('\n')) expect([...line].length).to.be.at.most(40);
    const control = await waitFor('control summary', async () => {
      const t = await server.capture(panes[3]!.id);
      return t.includes('20/20 done') ? t : undefined;
    }, 30_000, 250);
    expect(control).to.include('20 done');
  });

  it('adapts to --agents 6 --quads 2: two quads and control, tiled', async () => {
    const r = await launch(writeDefaultPlanShape(dir), '--agents', '6', '--quads', '2', '--size', '120x40');
    expect(r.exitCode, r.stderr).to.equal(0);
    const panes = (await server.panes()).filter((p) => p.window === 'quads');
    expect(panes.map((p) => p.title)).to.deep.equal(['Quad 1 · Core Build', 'Quad 2 · Services', 'Control']);
    expect(panes[0]!.start).to.include('--quad 1');
    expect(panes[1]!.start).to.include('--quad 2');
    // tmux tiled: quads side by side on top, control below.
    expect(panes[2]!.width).to.be.greaterThan(panes[0]!.width);
    await waitDone(20);
    const text = await waitFor('quad 1 shows its three agents', async () => {
      const t = await server.capture(panes[0]!.id);
      return ['Core-Setup-Agent', 'Voice-Synthesis', 'Lip-Sync-Agent'].every((n) => t.includes(n)) ? t : undefined;
    }, 60_000, 250);
    expect(text).to.not.include('Avatar-Agent');
  });

  it('redraws the quad grid when the window is resized', async () => {
    const plan = join(dir, 'plan.yaml');
    writeFileSync(plan, 'version: 1\nname: idle\nworkdir: work\ntasks:\n  - { id: s1, run: "sleep 60" }\n');
    expect((await launch(plan, '--size', '80x24')).exitCode).to.equal(0);
    const q1 = (await server.panes()).find((p) => p.role === 'quad-1')!;
    const sepAt = (t: string) => t.split('\n').find((l) => l.includes('Agent-01'))?.indexOf('│') ?? -1;
    const small = await waitFor('the 80×24 grid', async () => {
      const t = await server.capture(q1.id);
      return sepAt(t) > 0 ? t : undefined;
    }, 30_000, 200);
    expect(sepAt(small)).to.be.below(21);
    await server.tmux(['resize-window', '-t', '=orchestrator:quads', '-x', '200', '-y', '60']);
    const big = await waitFor('the grid redrawn wider', async () => {
      const t = await server.capture(q1.id);
      return sepAt(t) > 40 ? t : undefined;
    }, 30_000, 200);
    expect(big).to.include('Agent-02');
  });

  it('refuses a second launch of the same session with the documented message', async () => {
    const plan = join(dir, 'plan.yaml');
    writeFileSync(plan, 'version: 1\nname: idle\nworkdir: work\ntasks:\n  - { id: s1, run: "sleep 30" }\n');
    expect((await launch(plan, '--size', '100x30')).exitCode).to.equal(0);
    const other = tempDir('quadterm-');
    try {
      const r = await server.cli(['launch', plan, '--socket', server.socket, '--run-dir', other]);
      expect(r.exitCode).to.equal(2);
      expect(r.stderr).to.include(`a tmux session 'orchestrator' is already running on tmux socket '${server.socket}'`);
      expect(r.stderr).to.include(`orchestrator attach --socket ${server.socket}`).and.include(`orchestrator stop --socket ${server.socket}`);
    } finally {
      removeDir(other);
    }
    expect((await server.panes()).filter((p) => p.window === 'quads')).to.have.length(4);
  });

  it('attach puts a terminal on the session, or switches the client when inside tmux', async () => {
    const plan = join(dir, 'plan.yaml');
    writeFileSync(plan, 'version: 1\nname: idle\nworkdir: work\ntasks:\n  - { id: s1, run: "sleep 60" }\n');
    expect((await launch(plan, '--size', '100x30')).exitCode).to.equal(0);
    const clients = async () => (await server.tmux(['list-clients', '-F', '#{client_session}']).catch(() => '')).trim().split('\n').filter(Boolean);
    const env = cliEnv({ TERM: 'xterm-256color' });
    const term = pty.spawn(process.execPath, [CLI_JS, 'attach', '--socket', server.socket], { cols: 100, rows: 30, env });
    try {
      await waitFor('a client on the session', async () => ((await clients()).includes('orchestrator') ? true : undefined), 30_000, 200);
      // From inside tmux (a pane of another session of the same server): switch-client.
      await server.tmux(['new-session', '-d', '-s', 'other', 'sleep', '120']);
      await server.tmux(['switch-client', '-t', '=other']);
      await waitFor('the client on other', async () => ((await clients()).includes('other') ? true : undefined), 10_000, 100);
      await server.tmux(['new-window', '-t', '=other:', process.execPath, CLI_JS, 'attach', '--socket', server.socket]);
      await waitFor('the client switched back', async () => ((await clients()).includes('orchestrator') ? true : undefined), 30_000, 200);
    } finally {
      term.kill();
    }
    await waitFor('the client gone', async () => ((await clients()).length === 0 ? true : undefined), 10_000, 200);
  });

  it('explains --attach without a terminal, a missing tmux and a bad session name (exit 2)', async () => {
    const attach = await launch('--attach');
    expect(attach.exitCode).to.equal(2);
    expect(attach.stderr).to.include('--attach needs a terminal').and.include('orchestrator attach');
    expect(await server.hasSession()).to.equal(false);

    const empty = tempDir('quadterm-path-');
    try {
      const r = await cli(['launch', '--socket', server.socket, '--run-dir', dir], { env: { PATH: empty } });
      expect(r.exitCode).to.equal(2);
      expect(r.stderr).to.include('tmux is not installed').and.include('apt-get install -y tmux');
    } finally {
      removeDir(empty);
    }
    const bad = await launch('--session', 'a:b');
    expect(bad.exitCode).to.equal(2);
    expect(bad.stderr).to.include("session name 'a:b' is not usable");
  });
});
