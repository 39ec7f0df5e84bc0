/**
 * Every stop of `orchestrator run` leaves a consistent state, and a task that kills its own
 * worker cannot hang a run. Real processes: the built CLI started as its own process group,
 * signalled the way a terminal (Ctrl-C to the whole foreground group) or a user does it.
 */
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { CLI_JS } from '../../orchestrator/run-dir/paths.js';
import { readProcTable } from '../../workers/os/process-tree.js';
import { cli, removeDir, tempDir, waitFor, writePlan } from '../helpers/cli.js';
import { runState } from '../helpers/run-state.js';
import { RUN_DIR_ENV } from '../../orchestrator/supervisors/worker-process.js';
import { findByEnv } from '../../workers/os/process-tree.js';

/** Starts `orchestrator run` as the leader of its own process group (as a shell starts a foreground job). */
function startRun(plan: string, runDir: string) {
  const child = spawn(process.execPath, [CLI_JS, 'run', plan, '--run-dir', runDir], { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((res) => child.once('exit', (code) => res(code)));
  return { child, exited, output: () => out };
}

/** Processes of this run still alive (workers and tasks carry the run dir in their environment). */
function runProcesses(runDir: string) {
  return findByEnv((env) => env.get(RUN_DIR_ENV) === runDir, readProcTable());
}

describe('run: stops leave a consistent state (real processes)', function () {
  this.timeout(90_000);
  let dir: string;
  beforeEach(() => (dir = tempDir('orch-stops-')));
  afterEach(() => {
    for (const p of runProcesses(dir)) {
      try {
        process.kill(p.pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
    removeDir(dir);
  });

  const stops: Array<[string, (pid: number) => void]> = [
    ['Ctrl-C (SIGINT to the whole foreground process group)', (pid) => process.kill(-pid, 'SIGINT')],
    ['SIGTERM to the run', (pid) => process.kill(pid, 'SIGTERM')],
    ['SIGHUP to the run', (pid) => process.kill(pid, 'SIGHUP')],
    ['SIGHUP to the whole process group (terminal closed)', (pid) => process.kill(-pid, 'SIGHUP')],
  ];
  for (const [name, stop] of stops) {
    it(`${name}: nothing left running, tasks requeued without using a retry, run interrupted, exit 130`, async () => {
      const tasks = ['a', 'b', 'c', 'd'].map((id) => ({ id, run: 'sleep 60' }));
      const plan = writePlan(dir, tasks);
      const run = startRun(plan, dir);
      await waitFor('four tasks running', async () => {
        const s = await runState(dir);
        return s && Object.values(s.tasks).filter((t) => t.status === 'running' && t.pgid).length === 4 ? true : undefined;
      }, 60_000);
      stop(run.child.pid!);
      const code = await Promise.race([run.exited, new Promise((r) => setTimeout(() => r('hung'), 30_000))]);
      expect(code, run.output()).to.equal(130);
      const s = (await runState(dir))!;
      expect(s.meta.status).to.equal('interrupted');
      expect(Object.values(s.tasks).filter((t) => t.status === 'running').map((t) => t.id), 'tasks left running').to.deep.equal([]);
      expect(Object.values(s.groups).filter((g) => g.status === 'running' || g.status === 'starting').map((g) => g.quad), 'groups left running').to.deep.equal([]);
      for (const t of Object.values(s.tasks)) {
        expect(t.status, t.id).to.equal('ready');
        expect(t.attempts, `${t.id}: an interruption must not use up an attempt`).to.equal(0);
      }
      await waitFor('no process of the run left', () => (runProcesses(dir).length === 0 ? true : undefined), 10_000);
    });
  }

  it('a task that SIGKILLs its own worker at once ends the run (exit 1), never hangs', async () => {
    const plan = writePlan(dir, [{ id: 'A', run: 'kill -9 $PPID' }, { id: 'B', run: 'true', needs: ['A'] }]);
    const r = await cli(['run', plan, '--run-dir', dir], { timeoutMs: 60_000 });
    expect(r.exitCode, r.stdout + r.stderr).to.equal(1);
    const s = (await runState(dir))!;
    expect(s.meta.status).to.equal('finished');
    expect(s.tasks.A!.status).to.equal('failed');
    expect(s.tasks.A!.reason).to.match(/lost 2 times/);
    expect(s.tasks.B!.status).to.equal('blocked');
  });
});
