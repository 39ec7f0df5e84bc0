/**
 * The dashboard in a real terminal: tmux panes on a private server (never the user's), the
 * built CLI, real runs. Checks what a person would see (capture-pane), that outside changes
 * show up, that resizing keeps the table readable, that the keys act on the state, and that
 * q ends the dashboard process (and nothing else).
 */
import { expect } from 'chai';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLI_JS, PACKAGE_ROOT } from '../../orchestrator/run-dir/paths.js';
import { DEFAULT_AGENTS } from '../../orchestrator/core/plan/default-agents.js';
import { cli, cliProcess, removeDir, status, tempDir, waitFor, writePlan } from '../helpers/cli.js';
import { pidAlive, readProcTable } from '../../workers/os/process-tree.js';
import { TestServer } from '../helpers/tmux-server.js';

const server = new TestServer();
const tmux = (...args: string[]) => server.tmux(args);
const capture = (target: string) => server.capture(target);

/**
 * Starts the dashboard in a pane (stderr to a file); the shell around it prints its exit code
 * and stays, so the terminal can be inspected after it quits. Returns the dashboard's pid.
 */
/**
 * A folder whose `nvidia-smi` fails, first on the dashboard's PATH: whatever the host has, the
 * probe finds no GPU (on a machine with one, the "no GPU panel" checks failed).
 */
function noGpuBin(runDir: string): string {
  const bin = join(runDir, 'no-gpu-bin');
  mkdirSync(bin, { recursive: true });
  writeFileSync(join(bin, 'nvidia-smi'), '#!/bin/sh\necho "NVIDIA-SMI has failed" >&2\nexit 9\n', { mode: 0o755 });
  return bin;
}

async function startDashboard(session: string, runDir: string, term: string, width: number, height: number): Promise<number> {
  const cmd = `env TERM=${term} LANG=C.UTF-8 PATH=${noGpuBin(runDir)}:$PATH ${process.execPath} ${CLI_JS} dashboard --run-dir ${runDir} 2>>${join(runDir, 'dashboard.err')}; echo DASHBOARD-EXIT=$?; exec sleep 600`;
  await tmux('new-session', '-d', '-s', session, '-x', String(width), '-y', String(height), cmd);
  const shell = Number(await tmux('display-message', '-p', '-t', session, '#{pane_pid}'));
  // `env` execs node, so the dashboard is the shell's child.
  return waitFor('the dashboard process', () => [...readProcTable().values()].find((p) => p.ppid === shell)?.pid, 10_000);
}

async function screenWith(session: string, what: string, pred: (text: string) => boolean, timeoutMs = 30_000): Promise<string> {
  let last = '';
  try {
    return await waitFor(what, async () => {
      last = await capture(session);
      return pred(last) ? last : undefined;
    }, timeoutMs, 100);
  } catch (e) {
    throw new Error(`${(e as Error).message}; the screen was:\n${last}`);
  }
}

/** Ended: no such process, or a zombie its parent (tmux) has not reaped yet. */
const ended = (pid: number) => !pidAlive(pid);

const allAgents = (text: string) => DEFAULT_AGENTS.every((a) => text.includes(a.name));

async function quitAndCheckGone(session: string, pid: number): Promise<void> {
  await tmux('send-keys', '-t', session, 'q');
  const after = await screenWith(session, 'the dashboard to exit', (t) => t.includes('DASHBOARD-EXIT='), 15_000);
  expect(after).to.include('DASHBOARD-EXIT=0');
  await waitFor('the dashboard process to be gone', () => ended(pid), 5000);
  // The terminal is given back: normal screen, cursor shown, the dashboard no longer drawn.
  expect(await tmux('display-message', '-p', '-t', session, '#{alternate_on} #{cursor_flag}')).to.equal('0 1');
  expect(after).to.not.include('Agents');
}

describe('dashboard in a real terminal (tmux, private server)', function () {
  this.timeout(180_000);
  const dirs: string[] = [];
  const dir = () => {
    const d = tempDir('orch-dash-');
    dirs.push(d);
    return d;
  };
  // Twelve default agents; T003 fails for good and blocks T004.
  const tasks = (unit: string) => [
    { id: 'T001', title: 'Start', run: unit },
    { id: 'T002', title: 'Second', run: unit, needs: ['T001'] },
    { id: 'T003', title: 'Breaks', run: `${unit}; exit 3`, needs: ['T001'], retries: 0 },
    { id: 'T004', title: 'After the break', run: unit, needs: ['T003'] },
    { id: 'T005', title: 'Side', run: unit },
    { id: 'T006', title: 'Side too', run: unit, needs: ['T005'] },
  ];

  after(async () => {
    await server.kill();
    for (const d of dirs) removeDir(d);
  });

  it('shows a finished run at 120×40 under TERM=tmux-256color, follows outside changes, survives 80×24, q exits', async () => {
    const run = dir();
    // Tasks long enough for their bars to carry their ids on the timeline.
    const r = await cli(['run', writePlan(run, tasks('sleep 0.4'), { agents: DEFAULT_AGENTS }), '--run-dir', run]);
    expect(r.exitCode, r.stdout + r.stderr).to.equal(1);
    // The same essentials as text, for scripts; the dashboard itself refuses a non-terminal.
    const st = await cli(['status', '--run-dir', run]);
    expect(st.stdout).to.match(/^test-plan: finished — 4 done, 0 running, 0 ready, 0 pending, 1 failed, 1 blocked\n/);
    expect(st.stdout).to.include('4/6 done (67%)');
    expect(st.stdout).to.match(/makespan \S+ vs lower bound \S+ · ETA done/);
    expect(st.stdout).to.match(/Q +AGENT +STATE +TASK +ELAPSED +RESTARTS/);
    expect(allAgents(st.stdout)).to.equal(true);
    expect(st.stdout).to.include('failed: T003 (orchestrator retry ID)');
    expect(st.stdout).to.include('WARNING task-failed: T003 failed for good');
    const noTty = await cli(['dashboard', '--run-dir', run]);
    expect(noTty.exitCode).to.equal(2);
    expect(noTty.stderr).to.match(/needs a terminal.*orchestrator status/);
    const pid = await startDashboard('big', run, 'tmux-256color', 120, 40);
    const ids = ['T001', 'T002', 'T003', 'T005', 'T006']; // T004 never ran: blocked
    const first = await screenWith('big', 'all agents, progress and task ids', (t) => allAgents(t) && t.includes('Progress 4/6') && ids.every((id) => t.includes(id)));
    expect(first).to.include('1 failed · 1 blocked');
    expect(first).to.match(/test-plan · finished │ 4\/6 done/);
    expect(first).to.include('Timeline');
    expect(first).to.not.include('GPU'); // nvidia-smi fails (noGpuBin): no panel at all
    expect(first).to.not.match(/Error on|lqqq|undefined/);
    for (const line of first.split('\n')) expect(line.length).to.be.at.most(120);

    // The state changes from outside (the CLI, as another terminal would): the screen follows.
    const t0 = Date.now();
    expect((await cli(['retry', 'T003', '--run-dir', run])).exitCode).to.equal(0);
    await screenWith('big', 'the retried task', (t) => t.includes('0 failed · 0 blocked') && t.includes('1 ready') && t.includes('test-plan · running'), 10_000);
    console.log(`      (outside change visible after ${Date.now() - t0} ms, including the CLI's start-up)`);

    await tmux('resize-window', '-t', 'big', '-x', '80', '-y', '24');
    const small = await screenWith('big', 'the table at 80×24', (t) => t.split('\n').every((l) => l.length <= 80) && allAgents(t) && t.includes('Progress'));
    expect(small).to.match(/│ 1 Core-Setup-Agent +idle/);
    expect(small).to.match(/Voice-Synthesis-Agent idle/); // 21 characters, not cut
    expect(small).to.not.include('Timeline'); // the charts collapse, table and gauge stay

    await tmux('resize-window', '-t', 'big', '-x', '200', '-y', '60');
    await screenWith('big', 'the full layout at 200×60', (t) => allAgents(t) && t.includes('Timeline') && t.includes('CPU') && t.includes('MEM'));
    await quitAndCheckGone('big', pid);
    expect(readFileSync(join(run, 'dashboard.err'), 'utf8')).to.equal('');
  });

  it('under TERM=screen waits for a run, shows it live, and its keys pause, retry and open logs', async () => {
    const run = dir();
    const pid = await startDashboard('live', run, 'screen', 100, 30);
    await screenWith('live', 'the waiting message', (t) => t.includes('No run in') && t.includes('Waiting for one'));
    const worker = cliProcess(['run', writePlan(run, tasks('sleep 1.5'), { agents: DEFAULT_AGENTS }), '--run-dir', run]);
    await screenWith('live', 'a running agent', (t) => allAgents(t) && / running +T00\d/.test(t));
    expect((await worker).exitCode).to.equal(1);
    await screenWith('live', 'the finished run', (t) => t.includes('4/6 done') && t.includes('finished'));

    await tmux('send-keys', '-t', 'live', 'p');
    await waitFor('paused in the state', async () => ((await status(run)).paused ? true : undefined), 10_000);
    await screenWith('live', 'the paused run', (t) => t.includes('PAUSED'));
    await tmux('send-keys', '-t', 'live', 'p');
    await waitFor('resumed in the state', async () => ((await status(run)).paused ? undefined : true), 10_000);

    // Select the agent that ran T003 (rows are in plan order, grouped by quad) and press r.
    const s = await status(run);
    const agent = s.tasks.find((t) => t.id === 'T003')!.agent!;
    const index = DEFAULT_AGENTS.findIndex((a) => a.name === agent);
    for (let i = 0; i < index; i++) await tmux('send-keys', '-t', 'live', 'Down');
    await tmux('send-keys', '-t', 'live', 'l');
    await screenWith('live', 'the task log', (t) => t.includes('T003 · ') && t.includes('=== T003 attempt 1'));
    await tmux('send-keys', '-t', 'live', 'Escape');
    await screenWith('live', 'the log closed', (t) => !t.includes('=== T003 attempt 1') && allAgents(t));
    await tmux('send-keys', '-t', 'live', 'r');
    await waitFor('T003 retried', async () => ((await status(run)).tasks.find((t) => t.id === 'T003')!.status === 'ready' ? true : undefined), 10_000);
    await screenWith('live', 'the retry message', (t) => t.includes('T003 is ready again; unblocked T004 — no workers are running'));
    await quitAndCheckGone('live', pid);
    expect(readFileSync(join(run, 'dashboard.err'), 'utf8')).to.equal('');
  });

  it('plugs into the control pane: keep-alive lines in its log panel, q falls back to the plain view', async () => {
    const run = dir();
    expect((await cli(['run', writePlan(run, tasks('true'), { agents: DEFAULT_AGENTS }), '--run-dir', run])).exitCode).to.equal(1);
    // A stand-in for the control process: the view as controlMain would drive it.
    const script = join(run, 'control-stand-in.mjs');
    writeFileSync(script, [
      `import { DashboardControlView } from ${JSON.stringify(join(PACKAGE_ROOT, 'dist/panes/dashboard/view/dashboard-control-view.js'))};`,
      `import { readRunPlan } from ${JSON.stringify(join(PACKAGE_ROOT, 'dist/orchestrator/run-dir/run-setup.js'))};`,
      `import { runPaths } from ${JSON.stringify(join(PACKAGE_ROOT, 'dist/orchestrator/run-dir/paths.js'))};`,
      `import { runStore } from ${JSON.stringify(join(PACKAGE_ROOT, 'dist/orchestrator/run-dir/run-store.js'))};`,
      `const paths = runPaths(${JSON.stringify(run)});`,
      'const store = runStore(paths); await store.open();',
      'const view = new DashboardControlView(paths.runDir, readRunPlan(paths));',
      "view.update(store.read(), ['an event line'], []);",
      "setTimeout(() => view.note('keep-alive: quad 2 restarted (stand-in)'), 500);",
      "process.on('SIGTERM', () => { view.close(); process.exit(0); });",
      'setInterval(() => {}, 1000);',
    ].join('\n'));
    const cmd = `exec env TERM=tmux-256color LANG=C.UTF-8 ${process.execPath} ${script} 2>>${join(run, 'dashboard.err')}`;
    await tmux('new-session', '-d', '-s', 'ctl', '-x', '100', '-y', '30', cmd);
    await tmux('set-option', '-t', 'ctl', 'remain-on-exit', 'on');
    const pid = Number(await tmux('display-message', '-p', '-t', 'ctl', '#{pane_pid}'));
    await screenWith('ctl', 'the dashboard with the note', (t) => allAgents(t) && t.includes('keep-alive: quad 2 restarted (stand-in)') && t.includes('Progress 4/6'));
    await tmux('send-keys', '-t', 'ctl', 'q');
    await screenWith('ctl', 'the plain view', (t) => t.includes('groups: q1') && !t.includes('Progress 4/6'));
    expect(ended(pid), 'the control process goes on').to.equal(false);
    process.kill(pid, 'SIGTERM');
    await waitFor('the stand-in to end', () => ended(pid), 10_000);
    expect(readFileSync(join(run, 'dashboard.err'), 'utf8')).to.equal('');
  });
});
