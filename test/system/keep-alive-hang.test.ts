/**
 * Hang detection and the worker group's sleeps in virtual time, with a real run directory and
 * store (one store per test: a process runs one store of a run, and two in one process would
 * share its lock bookkeeping).
 *  - The keep-alive monitor on a virtual clock, two groups heartbeating on the same clock; quad
 *    1 stops while quad 2 goes on writing the state. The monitor must judge quad 1 hung at the
 *    first check after its heartbeat is three intervals old, not a check earlier or later.
 *  - A real worker group on a virtual clock: its heartbeats carry the clock's time, and an agent
 *    waiting out a retry backoff claims the task again exactly when its sleep ends, without
 *    real waiting.
 */
import { expect } from 'chai';
import { join } from 'node:path';
import { removeDir, tempDir, waitFor, writePlan } from '../helpers/cli.js';
import { VirtualClock } from '../helpers/virtual-clock.js';
import { AlertSink } from '../../orchestrator/alerts/alert-sink.js';
import { hungIntervalMs } from '../../orchestrator/core/supervision/group-check.js';
import { HUNG_INTERVALS } from '../../orchestrator/core/supervision/health.js';
import { prepareRun } from '../../orchestrator/run-dir/run-setup.js';
import { KeepAlive, type GroupSupervisor } from '../../orchestrator/supervisors/keep-alive.js';
import { sleep } from '../support/procs.js';
import { PlainView } from '../../workers/view.js';
import { WorkerGroup } from '../../workers/worker-group.js';
import { transact } from '../../orchestrator/core/run/draft.js';
import { heartbeat, retryDelay } from '../../orchestrator/core/run/transitions.js';
import { heartbeatEveryMs } from '../../orchestrator/core/supervision/health.js';
import type { ClockTimer as Timer } from '../../workers/os/clock.js';

const INTERVAL_MS = 500;

/** The groups run in this process: alive until the monitor kills one (the kill's time is kept). */
class InProcessGroups implements GroupSupervisor {
  readonly killedAt = new Map<number, number>();
  constructor(private clock: VirtualClock) {}
  alive(quad: number): boolean {
    return !this.killedAt.has(quad);
  }
  pid(): number {
    return process.pid;
  }
  async start(): Promise<number | undefined> {
    return undefined;
  }
  async kill(quad: number): Promise<void> {
    this.killedAt.set(quad, this.clock.now());
  }
}

describe('keep-alive hang detection and worker sleeps (virtual time)', function () {
  this.timeout(60_000);
  let dir: string;
  beforeEach(() => {
    dir = tempDir('orch-kah-');
  });
  afterEach(() => removeDir(dir));

  it('judges a group hung at the first check after its heartbeat is three intervals old', async () => {
    const plan = writePlan(dir, [{ id: 'a', run: 'true' }], { keep_alive: { interval: `${INTERVAL_MS}ms` } });
    const run = await prepareRun({ plan, runDir: dir, agents: 2, quads: 2 });
    const clock = new VirtualClock(Date.now());
    const groups = new InProcessGroups(clock);
    const ka = new KeepAlive({ store: run.store, ctx: run.ctx, supervisor: groups, intervalMs: INTERVAL_MS, alerts: AlertSink.forRun(run.paths, run.plan), clock });
    // Each group heartbeats on the shared clock, as a worker group does (every heartbeatEveryMs).
    const beat = (quad: number) => transact(run.store, (d) => heartbeat(d, quad, process.pid, run.plan.agents.filter((a) => a.quad === quad).map((a) => a.name)), () => clock.now());
    const beats = new Map<number, Timer>();
    try {
      for (const quad of [1, 2]) {
        await beat(quad);
        beats.set(quad, clock.setInterval(() => void beat(quad), heartbeatEveryMs(run.plan.keepAliveIntervalMs)));
      }
      const start = clock.now();
      ka.start();
      await clock.advance(3000);
      expect(groups.killedAt.size, 'a healthy group killed').to.equal(0);

      clock.clearInterval(beats.get(1));
      await clock.advance(0);
      const last = run.store.read().groups['1']!.heartbeatAt!;
      const limit = HUNG_INTERVALS * hungIntervalMs(INTERVAL_MS, run.plan.keepAliveIntervalMs);
      // The monitor checks at start + k * interval; the first of those past the limit is the one.
      let due = start;
      while (due <= last + limit) due += INTERVAL_MS;
      await clock.advanceUntil('the hung group killed', () => groups.killedAt.has(1), 50, 10_000);
      expect(groups.killedAt.get(1)).to.equal(due);
      expect(groups.killedAt.has(2), 'the live group killed').to.equal(false);
      const s = run.store.read();
      expect(s.groups['1']).to.include({ status: 'hung' });
      const age = ((due - last) / 1000).toFixed(1);
      expect(s.alerts.find((a) => a.kind === 'group-hung')?.message).to.equal(`quad 1 (pid ${process.pid}) hung (no heartbeat for ${age}s; killed); restart 1 in 1s`);
    } finally {
      ka.stop();
      for (const t of beats.values()) clock.clearInterval(t);
      await run.store.close();
    }
  });

  it('a worker group heartbeats by its clock and wakes exactly when a retry backoff ends', async () => {
    const marker = join(dir, 'failed-once');
    const plan = writePlan(dir, [{ id: 'a', run: `test -e '${marker}' || { touch '${marker}'; exit 1; }`, retries: 1 }], { keep_alive: { interval: `${INTERVAL_MS}ms` } });
    const run = await prepareRun({ plan, runDir: dir, agents: 1, quads: 1 });
    await run.store.close();
    const virtual = new VirtualClock(Date.now());
    const worker = new WorkerGroup({ runDir: dir, quad: 1, view: new PlainView(() => undefined), clock: virtual });
    const done = worker.run();
    const read = () => run.store.read();
    try {
      // The first attempt fails at once (real process); nothing in virtual time has passed.
      const t0 = virtual.now();
      await waitFor('the first attempt to fail', () => read().tasks.a!.notBefore, 20_000, 20);
      const s1 = read();
      expect(s1.tasks.a).to.include({ status: 'ready', attempts: 1, finishedAt: t0, notBefore: t0 + retryDelay(1) });
      expect(s1.groups['1']!.heartbeatAt).to.equal(t0);

      // Heartbeats carry the virtual time they were due at.
      const every = heartbeatEveryMs(run.plan.keepAliveIntervalMs);
      await virtual.advance(every);
      await waitFor('a heartbeat', () => read().groups['1']!.heartbeatAt === t0 + every || undefined, 20_000, 20);

      // One millisecond before the backoff's end the agent still waits (given real time to act).
      const notBefore = s1.tasks.a!.notBefore!;
      await virtual.advance(notBefore - 1 - virtual.now());
      await sleep(300);
      expect(read().tasks.a).to.include({ status: 'ready', attempts: 1 });
      // Claimed as the backoff ends: at its end (a heartbeat's state change woke the agent) or
      // 1 ms later (its own sleep, which lasts until just past the backoff).
      await virtual.advance(2);
      await waitFor('the retry', () => read().tasks.a!.status === 'done' || undefined, 20_000, 20);
      expect(read().tasks.a).to.include({ attempts: 2 });
      expect(read().tasks.a!.claimedAt).to.be.oneOf([notBefore, notBefore + 1]);
    } finally {
      await worker.stop();
      await done.catch(() => undefined);
    }
  });
});
