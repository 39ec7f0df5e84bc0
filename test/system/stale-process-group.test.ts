/**
 * A process group is signalled only if it is provably still ours. A stale state (after a
 * reboot, or long after its run died) may record a process group id that now belongs to an
 * unrelated process group: neither `status` (a read-only command) nor the keep-alive monitor
 * may signal it. Real processes: the "unrelated" group is a `sleep` this test starts as its own
 * process group leader.
 */
import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import { transact } from '../../orchestrator/core/run/draft.js';
import { prepareRun } from '../../orchestrator/run-dir/run-setup.js';
import { readProc, stillRunning } from '../../workers/os/process-tree.js';
import { cli, removeDir, tempDir, waitFor, writePlan } from '../helpers/cli.js';
import { runState } from '../helpers/run-state.js';

/** A dead pid to stand for the old worker group (a child that has exited and been reaped). */
async function deadPid(): Promise<number> {
  const c = spawn('true');
  await new Promise((r) => c.once('exit', r));
  return c.pid!;
}

describe('stale process groups are never signalled (real processes)', function () {
  this.timeout(90_000);
  let dir: string;
  let unrelated: ChildProcess;
  beforeEach(() => {
    dir = tempDir('orch-stale-pgid-');
    // An unrelated process group: `sleep` leading its own group (pgid = its pid).
    unrelated = spawn('sleep', ['300'], { detached: true, stdio: 'ignore' });
  });
  afterEach(() => {
    try {
      process.kill(-unrelated.pid!, 'SIGKILL');
    } catch {
      // gone
    }
    removeDir(dir);
  });

  for (const variant of ['a different leader start time', 'no start time (a state from before start times were recorded)'] as const) {
    it(`status and the keep-alive leave alone a recorded group with ${variant}`, async () => {
      const victim = { pid: unrelated.pid!, start: readProc(unrelated.pid!)!.start };
      expect(victim.start).to.be.greaterThan(0);
      const plan = writePlan(dir, [{ id: 'A', run: 'true' }], { keep_alive: { interval: '500ms' } });
      const run = await prepareRun({ plan, runDir: dir });
      const oldWorker = await deadPid();
      // The state a run left behind when it died long ago: A running in quad 1, its lease long
      // expired, its process group recorded as the id the unrelated group now has.
      await transact(run.store, (d) => {
        const t = d.task('A')!;
        const agent = d.agentNames().find((n) => d.agent(n)!.quad === 1)!;
        d.setTask({
          ...t, status: 'running', agent, quad: 1, fence: 1, attempts: 1, leaseUntil: d.now - 60_000, claimedAt: d.now - 70_000, startedAt: d.now - 70_000,
          pgid: victim.pid, pgidStart: variant.startsWith('a different') ? victim.start - 1 : undefined,
        });
        d.setAgent({ ...d.agent(agent)!, status: 'running', task: 'A' });
        for (const q of [1, 2, 3]) d.setGroup({ quad: q, status: 'running', pid: oldWorker, restarts: 0, heartbeatAt: d.now - 60_000, startedAt: d.now - 70_000 });
      });
      await run.store.close();

      const st = await cli(['status', '--run-dir', dir]);
      expect(st.exitCode, st.stderr).to.equal(0);
      await new Promise((r) => setTimeout(r, 200));
      expect(stillRunning(victim), '`status` signalled an unrelated process group').to.equal(true);
      // status is read-only: the task is still as the state left it.
      expect((await runState(dir))!.tasks.A!.status).to.equal('running');

      // The keep-alive finds quad 1 dead, requeues A (its orphan "group" is not ours), restarts
      // the groups, and the run finishes — without touching the unrelated group.
      const ka = await cli(['keep-alive', '--run-dir', dir, '--interval', '500ms'], { timeoutMs: 60_000 });
      expect(ka.exitCode, ka.stdout + ka.stderr).to.equal(0);
      await waitFor('the run finished', async () => ((await runState(dir))?.meta.status === 'finished' ? true : undefined), 30_000);
      expect(stillRunning(victim), 'the keep-alive signalled an unrelated process group').to.equal(true);
    });
  }
});
