/**
 * A state started over (`run --fresh`, `reset` then `run`) never accepts what a worker of the
 * old run reports: fencing tokens continue above the old state's, and every claim carries its
 * run id. Real run directories and stores; the old worker is a store opened before the restart.
 */
import { expect } from 'chai';
import { transact } from '../../orchestrator/core/run/draft.js';
import { agentsOfQuad } from '../../orchestrator/core/plan/default-agents.js';
import { prepareRun } from '../../orchestrator/run-dir/run-setup.js';
import { moveToHistory } from '../../orchestrator/run-dir/run-history.js';
import { claimFor, finish, type Claim } from '../../orchestrator/core/run/transitions.js';
import { runStore } from '../../orchestrator/run-dir/run-store.js';
import { removeDir, tempDir, writePlan } from '../helpers/cli.js';

describe('fresh starts: fencing tokens never go back', function () {
  this.timeout(60_000);
  let dir: string;
  afterEach(() => removeDir(dir));

  async function claimA(store: Awaited<ReturnType<typeof prepareRun>>): Promise<Claim> {
    const agents = agentsOfQuad(store.plan.agents, 1);
    // Groups count as alive while they start: claim as quad 1's process would.
    const claims = await transact(store.store, (d) => claimFor(d, store.ctx, 1, agents));
    const c = claims.find((x) => x.task === 'A');
    expect(c, 'A claimed').to.not.equal(undefined);
    return c!;
  }

  for (const how of ['run --fresh', 'reset, then run'] as const) {
    it(`after ${how}, a result an old worker reports for its claim is rejected as stale`, async () => {
      dir = tempDir('orch-');
      const plan = writePlan(dir, [{ id: 'A', run: 'true' }]);
      const first = await prepareRun({ plan, runDir: dir, agents: 1, quads: 1 });
      const old = await claimA(first);
      // The old worker's own store, opened before the restart (as a live worker process has it).
      const oldWorker = runStore(first.paths);
      await oldWorker.open();

      if (how === 'reset, then run') moveToHistory(first.paths);
      const second = await prepareRun({ plan, runDir: dir, agents: 1, quads: 1, fresh: how === 'run --fresh' });
      const now = await claimA(second);
      expect(now.fence, 'fencing tokens continue above the old state\'s').to.be.above(old.fence);
      expect(now.run).to.not.equal(old.run);

      const counted = await transact(oldWorker, (d) => finish(d, second.ctx, { task: 'A', agent: old.agent, fence: old.fence, run: old.run, ok: true, durationMs: 5 }));
      expect(counted, 'the old claim\'s result counted in the new state').to.equal(false);
      const reader = runStore(second.paths);
      await reader.open();
      expect(reader.read().tasks['A']).to.include({ status: 'running', fence: now.fence });
      // The same report with the old fence but without a run id (an older worker) is refused by the fence alone.
      const byFence = await transact(oldWorker, (d) => finish(d, second.ctx, { task: 'A', agent: old.agent, fence: old.fence, ok: true, durationMs: 5 }));
      expect(byFence).to.equal(false);
    });
  }
});
