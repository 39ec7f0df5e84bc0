/**
 * The processes of a run, found wherever they came from (run-processes.ts), with real
 * processes: fresh starts refuse while any is alive and name them; `stop --run-dir` ends them
 * without tmux; a worker group whose `run` was SIGKILLed ends itself and its tasks; a task's
 * daemonised grandchildren (setsid, double fork) end with it, on Ctrl-C too, and one holding
 * the task's stdout does not keep a finished task running.
 */
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { cli, cliProcess, removeDir, tempDir, waitFor, writePlan } from '../helpers/cli.js';
import { runState } from '../helpers/run-state.js';
import { descendants, findByEnv, pidAlive } from '../../workers/os/process-tree.js';
import { LEASE_MS } from '../../orchestrator/core/run/transitions.js';

/** Live processes carrying `runDir` as their run marker (what a leak would leave). */
const marked = (runDir: string) => findByEnv((env) => env.get('ORCHESTRATOR_RUN_DIR') === runDir);
const allGone = (pids: number[]) => (pids.every((p) => !pidAlive(p)) ? true : undefined);
const killAll = (pids: number[]) => pids.forEach((p) => {
  try {
    process.kill(p, 'SIGKILL');
  } catch {
    // gone
  }
});

describe('processes of a run (real processes)', function () {
  this.timeout(180_000);
  let dir: string;
  let strays: number[] = [];
  beforeEach(() => {
    dir = tempDir('orch-procs-');
    strays = [];
  });
  afterEach(() => {
    killAll([...strays, ...marked(dir).map((p) => p.pid)]);
    removeDir(dir);
  });

  it('--fresh (run, launch), reset refuse while a process of the run lives, naming it; stop --run-dir ends it', async () => {
    const plan = writePlan(dir, [{ id: 'A', run: 'true' }], { agents: [{ name: 'a1', quad: 1 }] });
    expect((await cli(['run', plan, '--run-dir', dir])).exitCode).to.equal(0);
    // What a dead worker leaves: a task process with the run's marker, outside any group we know.
    const left = spawn('sleep', ['1000'], { detached: true, stdio: 'ignore', env: { ...process.env, ORCHESTRATOR_RUN_DIR: dir, ORCHESTRATOR_TASK_ID: 'A', ORCHESTRATOR_AGENT: 'a1', ORCHESTRATOR_ATTEMPT: '1' } });
    strays.push(left.pid!);
    await waitFor('the leftover runs', () => marked(dir).length > 0 || undefined);
    for (const args of [['run', plan, '--fresh'], ['reset', '--yes'], ['launch', plan, '--fresh']]) {
      const r = await cli([...args, '--run-dir', dir], { env: { ORCHESTRATOR_TMUX_SOCKET: join(dir, 'no-such-tmux') } });
      expect(r.exitCode, `${args.join(' ')}: ${r.stdout}${r.stderr}`).to.equal(2);
      expect(r.stderr).to.include(`pid ${left.pid}: task A (attempt 1, agent a1)`).and.include('orchestrator stop --run-dir');
    }
    const stop = await cli(['stop', '--run-dir', dir, '--grace', '500']);
    expect(stop.exitCode, stop.stdout + stop.stderr).to.equal(0);
    expect(stop.stdout).to.include(`stopped the run in ${dir}`);
    await waitFor('the leftover gone', () => allGone([left.pid!]), 10_000);
    expect((await cli(['reset', '--yes', '--run-dir', dir])).exitCode).to.equal(0);
  });

  for (const how of ['stop --run-dir', 'nothing (the workers notice)'] as const) {
    it(`after a SIGKILLed run, ${how} ends its workers and tasks, daemonised ones included`, async () => {
      const plan = writePlan(dir, [
        { id: 'A', run: 'sleep 1000' },
        { id: 'B', run: "setsid sh -c 'sleep 1000' & sleep 1000" },
      ], { agents: [{ name: 'a1', quad: 1 }, { name: 'a2', quad: 2 }] });
      const run = cliProcess(['run', plan, '--run-dir', dir]);
      await waitFor('both tasks running', async () => Object.values((await runState(dir))?.tasks ?? {}).every((t) => t.status === 'running') || undefined, 60_000, 200);
      await waitFor('the daemonised sleep', () => marked(dir).filter((p) => p.comm === 'sleep').length >= 3 || undefined, 20_000);
      const procs = [...new Set([...descendants([run.pid!]), ...marked(dir)].map((p) => p.pid))].filter((p) => p !== run.pid);
      strays.push(...procs);
      expect(procs.length).to.be.at.least(5); // two workers, three sleeps
      const t0 = Date.now();
      process.kill(run.pid!, 'SIGKILL');
      // (Not `await run`: its workers hold its stderr, so that would wait for them.)
      await waitFor('the run gone', () => allGone([run.pid!]), 10_000);
      if (how === 'stop --run-dir') {
        const stop = await cli(['stop', '--run-dir', dir, '--grace', '2000']);
        expect(stop.exitCode, stop.stdout + stop.stderr).to.equal(0);
        expect(stop.stdout).to.not.include('no process of it is left');
        await waitFor('every process of the run gone', () => allGone(procs), 10_000);
        expect((await runState(dir))?.meta.status).to.equal('interrupted');
      } else {
        await waitFor('every process of the run gone', () => allGone(procs), 3 * LEASE_MS);
        // Said for the record (timing is not asserted here): the lease is the target.
        console.log(`      (gone ${((Date.now() - t0) / 1000).toFixed(1)} s after the run was killed; lease ${LEASE_MS / 1000} s)`);
      }
      expect(marked(dir)).to.deep.equal([]);
    });
  }

  it('a task that exits while a daemonised grandchild holds its stdout is done, and the grandchild ends', async () => {
    const plan = writePlan(dir, [{ id: 'D', run: "setsid sh -c 'sleep 1000' & echo started", timeout: '10m' }], { agents: [{ name: 'a1', quad: 1 }] });
    const r = await cli(['run', plan, '--run-dir', dir], { timeoutMs: 60_000 });
    expect(r.exitCode, r.stdout + r.stderr).to.equal(0);
    expect((await runState(dir))?.tasks.D?.status).to.equal('done');
    await waitFor('the grandchild gone', () => (marked(dir).length ? undefined : true), 10_000);
  });

  it('Ctrl-C (SIGINT to the group) ends daemonised grandchildren too', async () => {
    const plan = writePlan(dir, [{ id: 'E', run: "setsid sh -c 'sleep 1000' & sleep 1000" }], { agents: [{ name: 'a1', quad: 1 }] });
    const run = spawn(process.execPath, [join(process.cwd(), 'dist', 'bin', 'cli.js'), 'run', plan, '--run-dir', dir], { detached: true, stdio: 'ignore' });
    await waitFor('the daemonised sleep', () => marked(dir).filter((p) => p.comm === 'sleep').length >= 2 || undefined, 60_000);
    strays.push(...marked(dir).map((p) => p.pid));
    process.kill(-run.pid!, 'SIGINT');
    await waitFor('every process of the run gone', () => (marked(dir).length ? undefined : true), 15_000);
  });
});
