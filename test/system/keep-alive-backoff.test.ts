/**
 * The keep-alive's restart backoff in virtual time: a real run directory and store, a real alert
 * sink (log and alert command), and a group supervisor whose group dies on every start (the
 * seam where processes are spawned). The clock is virtual, so five restarts 1+2+4+8+16 s apart
 * take milliseconds, and the schedule is asserted exactly instead of waited for.
 */
import { expect } from 'chai';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { events, removeDir, tempDir, waitFor, writePlan } from '../helpers/cli.js';
import { VirtualClock } from '../helpers/virtual-clock.js';
import { AlertSink } from '../../orchestrator/alerts/alert-sink.js';
import { RESTART_DELAYS_MS } from '../../orchestrator/core/supervision/restart-policy.js';
import { prepareRun } from '../../orchestrator/run-dir/run-setup.js';
import { KeepAlive, type GroupSupervisor } from '../../orchestrator/supervisors/keep-alive.js';

const INTERVAL_MS = 500;

/** Quad `dying`'s group exits at once on every start; the others never start in this test. */
class DyingGroups implements GroupSupervisor {
  readonly starts: number[] = [];
  constructor(private clock: VirtualClock) {}
  alive(): boolean {
    return false;
  }
  pid(): number | undefined {
    return undefined;
  }
  async start(): Promise<number | undefined> {
    this.starts.push(this.clock.now());
    return undefined;
  }
  async kill(): Promise<void> {}
}

describe('keep-alive backoff (virtual time)', function () {
  this.timeout(60_000);
  let dir: string;
  beforeEach(() => {
    dir = tempDir('orch-kab-');
  });
  afterEach(() => removeDir(dir));

  it('gives a group that dies on every start up after 5 restarts, 1, 2, 4, 8 and 16 s apart', async () => {
    const plan = writePlan(dir, [{ id: 'a', run: 'true' }], { keep_alive: { interval: '500ms' }, alert_command: 'cat >> alerts.out' });
    const run = await prepareRun({ plan, runDir: dir, agents: 1, quads: 1 });
    const clock = new VirtualClock(Date.now());
    const groups = new DyingGroups(clock);
    const ka = new KeepAlive({ store: run.store, ctx: run.ctx, supervisor: groups, intervalMs: INTERVAL_MS, alerts: AlertSink.forRun(run.paths, run.plan), launch: true, clock });
    try {
      ka.start();
      const given = () => run.store.read().alerts.some((a) => a.kind === 'group-given-up');
      await clock.advanceUntil('give-up', given, 100, 120_000);
      await ka.flushAlerts();
    } finally {
      ka.stop();
      await run.store.close();
    }
    const s = run.store.read();
    expect(s.groups['1']).to.include({ status: 'failed', restarts: 5 });
    // Given up once: one critical alert, one crash alert per failure (the launch's and five restarts').
    expect(s.alerts.filter((a) => a.kind === 'group-given-up')).to.have.length(1);
    expect(s.alerts.find((a) => a.kind === 'group-given-up')).to.include({ level: 'critical', quad: 1 });
    expect(s.alerts.filter((a) => a.kind === 'group-crashed')).to.have.length(1 + RESTART_DELAYS_MS.length);
    expect(events(dir).filter((e) => e.type === 'group-failed' && e.quad === 1)).to.have.length(1);
    expect(events(dir).filter((e) => e.type === 'group-restarted' && e.quad === 1)).to.have.length(5);
    expect(readFileSync(join(dir, 'logs', 'keep_alive.log'), 'utf8')).to.match(/CRITICAL group-given-up \[quad 1\]/);
    const out = join(dir, 'work', 'alerts.out');
    await waitFor('the alert command', () => existsSync(out) && readFileSync(out, 'utf8').includes('group-given-up') || undefined, 10_000, 50);
    // The launch, then one start per restart; each restart waits its backoff after the check
    // (at most one interval, plus a step of the virtual clock) that found the group dead.
    expect(groups.starts).to.have.length(1 + RESTART_DELAYS_MS.length);
    const gaps = groups.starts.slice(1).map((t, i) => t - groups.starts[i]!);
    for (const [i, gap] of gaps.entries()) {
      expect(gap, `gap before restart ${i + 1}: ${JSON.stringify(gaps)}`).to.be.within(RESTART_DELAYS_MS[i]!, RESTART_DELAYS_MS[i]! + INTERVAL_MS + 100);
    }
  });
});
