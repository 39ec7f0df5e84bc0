/**
 * The keep-alive monitor. Every interval it gathers the facts about each worker group — process
 * (or pane) alive, heartbeat fresh, what it started itself — and the pure check
 * (orchestrator/core/supervision/group-check.ts) decides: a crashed or hung group's leases are
 * expired at once (its tasks are ready again within one interval), a hung group is killed first
 * (its whole tree), and the group is restarted with backoff (restart-policy.ts) until it has
 * failed too often; then it is given up and the other groups carry the run. This class carries
 * those decisions out. It also forwards every alert of the state to the alert sink and repairs a
 * damaged state file. Everything it decides is recorded in the state, so a restarted monitor
 * carries on where the last one stopped.
 */
import { AlertForwarder } from '../alerts/alert-forwarder.js';
import type { AlertSink } from '../alerts/alert-sink.js';
import type { RunContext } from '../core/graph/context.js';
import { transact, type Draft } from '../core/run/draft.js';
import { agentsOfQuad } from '../core/plan/default-agents.js';
import { StateError } from '../../state/errors.js';
import { groupFailed, groupRestarting, groupSpawned, noGroupLeft, TERMINAL_GROUP } from '../core/run/group-transitions.js';
import { checkGroups, hungIntervalMs, type CheckAction, type CheckFacts, type GroupFacts } from '../core/supervision/group-check.js';
import { recoverState } from '../../state/recover.js';
import type { State } from '../../state/schema.js';
import type { FileStateStore } from '../../state/store.js';
import { systemClock, type Clock, type ClockTimer } from '../../workers/os/clock.js';
import { killOwnedGroups } from '../../workers/os/process-tree.js';

/** How the monitor reaches worker groups: child processes, adopted pids or tmux panes. */
export interface GroupSupervisor {
  alive(quad: number): boolean;
  pid(quad: number): number | undefined;
  /** Starts (or restarts) the group; returns its pid when known. */
  start(quad: number): Promise<number | undefined>;
  /** Ends the group's process tree now. */
  kill(quad: number): Promise<void>;
  /** Optional: ends task processes an earlier process of the group left behind (before a restart). */
  sweep?(quad: number, agents: readonly string[]): Promise<void>;
  /**
   * Optional: the groups' home is gone for good (the tmux session was killed). That is the
   * user stopping the run, not groups crashing: the monitor stands down instead of requeueing
   * work that live workers are still handing back.
   */
  ended?(): boolean;
}

export interface KeepAliveOptions {
  store: FileStateStore;
  ctx: RunContext;
  supervisor: GroupSupervisor;
  intervalMs: number;
  alerts: AlertSink;
  /** Called with one line per action (the control pane / run output). */
  onAction?: (line: string) => void;
  /** Start groups that were never started (status `starting`, no pid): child-process modes. Tmux panes start themselves. */
  launch?: boolean;
  /** Forward the state's alerts to `alerts` (default true). */
  forwardAlerts?: boolean;
  /** Time and timers (tests: a virtual clock, so backoff and hang detection take no real time). */
  clock?: Clock;
}

export class KeepAlive {
  private timer?: ClockTimer;
  private busy = false;
  private again = false;
  private stopped = false;
  /** Groups with a restart (or launch) under way: the check leaves them alone. */
  private pending = new Set<number>();
  private timers = new Set<ClockTimer>();
  private startedAt = new Map<number, number>();
  private lastHealthy = new Map<number, number>();
  private lastSeq = -1;
  private readonly clock: Clock;
  private lastCommitAt: number;
  private readFailures = 0;
  readonly forwarder: AlertForwarder;

  constructor(private o: KeepAliveOptions) {
    this.clock = o.clock ?? systemClock;
    this.lastCommitAt = this.clock.now();
    this.forwarder = AlertForwarder.forStateDir(o.alerts, o.store.dir);
  }

  start(): void {
    this.timer = this.clock.setInterval(() => this.tickSoon(), this.o.intervalMs);
    this.tickSoon();
  }

  /** No further checks or restarts (shutdown); a restart already spawning completes. */
  stop(): void {
    this.stopped = true;
    this.clock.clearInterval(this.timer);
    for (const t of this.timers) this.clock.clearTimeout(t);
    this.timers.clear();
  }

  /** Marks a group as just (re)started outside the monitor (for the start-up grace). */
  noteStarted(quad: number, at = this.clock.now()): void {
    this.startedAt.set(quad, at);
  }

  /** Forwards whatever alerts the state holds that were not sent yet, and waits for them. */
  async flushAlerts(): Promise<void> {
    await this.forwarder.drain();
    try {
      if (this.o.forwardAlerts !== false) this.forwarder.pump(this.o.store.read().alerts);
    } catch {
      // Unreadable state: nothing more to forward.
    }
    await this.forwarder.drain();
  }

  /** Whether a restart is scheduled or under way (the run is not stuck yet). */
  restartsPending(): boolean {
    return this.pending.size > 0;
  }

  /** Runs a check now (e.g. a child exited), coalescing overlapping requests. */
  tickSoon(): void {
    if (this.stopped) return;
    if (this.busy) {
      this.again = true;
      return;
    }
    this.busy = true;
    void this.tick()
      .catch((e) => this.o.alerts.log(`keep-alive check failed: ${(e as Error).message}`))
      .finally(() => {
        this.busy = false;
        if (this.again && !this.stopped) {
          this.again = false;
          this.tickSoon();
        }
      });
  }

  /**
   * One check: gather the facts (the state, which groups live, what this monitor started and
   * saw), let the pure check decide (orchestrator/core/supervision/group-check.ts), carry its
   * actions out in order.
   */
  async tick(): Promise<void> {
    if (this.standingDown()) return;
    const s = await this.readState();
    if (!s) return;
    const now = this.clock.now();
    if (this.o.store.sequence !== this.lastSeq) {
      this.lastSeq = this.o.store.sequence;
      this.lastCommitAt = now;
    }
    if (this.o.forwardAlerts !== false) this.forwarder.pump(s.alerts);
    for (const action of checkGroups(this.facts(s, now))) {
      if (this.stopped) return;
      await this.carryOut(action);
    }
  }

  private facts(s: State, now: number): CheckFacts {
    return {
      now, runStatus: s.meta.status, launch: this.o.launch === true, lastCommitAt: this.lastCommitAt, restartsInHand: this.pending.size > 0,
      intervalMs: hungIntervalMs(this.o.intervalMs, this.o.ctx.plan.keepAliveIntervalMs),
      groups: this.o.ctx.plan.quads.map(({ id: quad }): GroupFacts => {
        const record = s.groups[String(quad)];
        const inHand = this.pending.has(quad);
        // The supervisor looks at processes: asked only about groups the check may judge.
        const judged = s.meta.status === 'running' && !inHand && record !== undefined && !TERMINAL_GROUP.has(record.status);
        return {
          quad, record, inHand, alive: judged && this.o.supervisor.alive(quad),
          startedAt: this.startedAt.get(quad), lastHealthyAt: this.lastHealthy.get(quad), pid: judged ? this.o.supervisor.pid(quad) : undefined,
        };
      }),
    };
  }

  private async carryOut(a: CheckAction): Promise<void> {
    switch (a.kind) {
      case 'launch':
        return this.launch(a.quad);
      case 'seen-healthy':
        return void this.lastHealthy.set(a.quad, a.at);
      case 'fail':
        return this.fail(a);
      case 'restart':
        return this.scheduleRestart(a.quad, a.attempt, a.delayMs);
      case 'give-up':
        return void this.tx((d) => groupFailed(d, this.o.ctx, a.quad, 'crashed', a.restart, a.pid, 'died')).catch(() => undefined);
      case 'run-stalled':
        // noGroupLeft looks again on the latest state: a group may have been restarted since.
        return void (await this.tx((d) => noGroupLeft(d, this.o.ctx)));
    }
  }

  /** Stopped, or the supervisor's groups are gone for good (then it stops for good). */
  private standingDown(): boolean {
    if (!this.stopped && this.o.supervisor.ended?.()) {
      this.stop();
      this.o.onAction?.('the session is gone: keep-alive stands down');
    }
    return this.stopped;
  }

  /** The latest state; a damaged state file is recovered (alert `state-recovered`) when the damage persists. */
  private async readState(): Promise<State | undefined> {
    try {
      const s = this.o.store.read();
      this.readFailures = 0;
      return s;
    } catch (e) {
      if (!(e instanceof StateError)) throw e;
      if (++this.readFailures < 2) return undefined;
      this.readFailures = 0;
      const r = await recoverState(this.o.store.dir);
      await this.o.store.open();
      const why = e.message.split('\n')[0];
      const moved = r.movedAside.length ? `; damaged files kept as ${r.movedAside.join(', ')}` : '';
      await this.tx((d) => d.alert({ level: 'warning', kind: 'state-recovered', message: `state was unreadable (${why}); rebuilt from ${r.base ?? 'the last snapshot'} + ${r.replayed} journal entries${r.droppedBytes ? `, ${r.droppedBytes} bytes lost` : ''}${moved}` }));
      this.o.onAction?.(`state recovered (${why})`);
      return undefined;
    }
  }

  private tx<R>(fn: (d: Draft) => R): Promise<R> {
    return transact(this.o.store, fn, () => this.clock.now());
  }

  private agentsOf(quad: number): string[] {
    return agentsOfQuad(this.o.ctx.plan.agents, quad);
  }

  /** A group died or hung: its tree ended, the failure recorded, its leftovers ended. */
  private async fail(a: Extract<CheckAction, { kind: 'fail' }>): Promise<void> {
    // A hung group (or a dead one whose children linger) is ended as a whole tree first.
    await this.o.supervisor.kill(a.quad);
    // The kill looked again: a group "gone" because its whole session was killed did not crash.
    if (this.standingDown()) return;
    const orphans = await this.tx((d) => groupFailed(d, this.o.ctx, a.quad, a.health, a.restart, a.pid, a.what));
    killOwnedGroups(orphans);
    // Attempts whose process group was not recorded yet (or a verify step) are found by their
    // environment; after the requeue, so that recovery does not wait for the scan.
    await this.o.supervisor.sweep?.(a.quad, this.agentsOf(a.quad));
    this.o.onAction?.(`quad ${a.quad} ${a.what}${a.restart.action === 'restart' ? `; restarting in ${a.restart.delayMs / 1000}s (restart ${a.restart.attempt})` : '; given up'}`);
  }

  private scheduleRestart(quad: number, attempt: number, delayMs: number): void {
    this.pending.add(quad);
    const t = this.clock.setTimeout(() => {
      this.timers.delete(t);
      void this.restart(quad, attempt)
        .catch((e) => this.o.alerts.log(`restart of quad ${quad} failed: ${(e as Error).message}`))
        .finally(() => this.pending.delete(quad));
    }, delayMs);
    this.timers.add(t);
  }

  private async restart(quad: number, attempt: number): Promise<void> {
    if (this.standingDown() || this.o.store.read().meta.status !== 'running') return;
    if (this.o.supervisor.alive(quad)) await this.o.supervisor.kill(quad);
    await this.o.supervisor.sweep?.(quad, this.agentsOf(quad));
    if (this.stopped) return;
    await this.tx((d) => groupRestarting(d, quad, attempt));
    this.noteStarted(quad);
    const pid = await this.o.supervisor.start(quad);
    await this.tx((d) => groupSpawned(d, quad, pid, false));
    this.o.onAction?.(`quad ${quad} restarted (restart ${attempt}, pid ${pid ?? '?'})`);
  }

  /** First start of a group that never ran (child-process modes). */
  private launch(quad: number): void {
    this.pending.add(quad);
    this.noteStarted(quad);
    void (async () => {
      const pid = await this.o.supervisor.start(quad);
      await this.tx((d) => groupSpawned(d, quad, pid, true));
    })()
      .catch((e) => this.o.alerts.log(`start of quad ${quad} failed: ${(e as Error).message}`))
      .finally(() => this.pending.delete(quad));
  }
}
