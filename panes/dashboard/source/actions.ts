/**
 * What the dashboard's keys do to the run: the same transitions, in the same kind of store
 * transaction, as `orchestrator retry` (lifecycle.retryTask) — and pausing claims
 * (lifecycle.setPaused), which the workers honour in claimFor. The lock is held only here.
 */
import type { RunContext } from '../../../orchestrator/core/graph/context.js';
import { transact } from '../../../orchestrator/core/run/draft.js';
import { retryTask, setPaused } from '../../../orchestrator/core/run/lifecycle.js';
import { STALE_HEARTBEAT_MS } from '../../../orchestrator/core/run/transitions.js';
import type { StateStore } from '../../../state/store.js';

/** Retries a failed task; returns the message to show (never throws for a user mistake). */
export async function retryFromDashboard(store: StateStore, ctx: RunContext, task: string | undefined): Promise<string> {
  if (!task) return 'no task selected: pick an agent whose last task failed';
  const t = store.read().tasks[task];
  if (t?.status !== 'failed') {
    const failed = Object.values(store.read().tasks).filter((x) => x.status === 'failed').map((x) => `${x.id}${x.agent ? ` (${x.agent})` : ''}`);
    return `${task} is ${t?.status ?? 'unknown'}, not failed${failed.length ? `; failed: ${failed.join(', ')}` : ''}`;
  }
  try {
    const unblocked = await transact(store, (d) => retryTask(d, ctx, task));
    const now = Date.now();
    const workers = Object.values(store.read().groups).some((g) => (g.status === 'running' || g.status === 'starting') && now - (g.heartbeatAt ?? 0) <= STALE_HEARTBEAT_MS);
    return `${task} is ready again${unblocked.length ? `; unblocked ${unblocked.join(', ')}` : ''}${workers ? '' : ' — no workers are running: start them (orchestrator run, or ./launch.sh) to run it'}`;
  } catch (e) {
    return `retry ${task}: ${(e as Error).message}`;
  }
}

/** Flips meta.paused; returns the new value. */
export async function togglePause(store: StateStore): Promise<boolean> {
  return transact(store, (d) => {
    const next = !d.meta.paused;
    setPaused(d, next);
    return next;
  });
}
