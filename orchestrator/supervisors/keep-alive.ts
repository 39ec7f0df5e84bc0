/**
 * The keep-alive monitor. Every interval it looks at each worker group — process (or pane)
 * alive, heartbeat fresh — classifies it (orchestrator/core/supervision/health.ts) and acts: a crashed or hung
 * group's leases are expired at once (its tasks are ready again within one interval), a hung
 * group is killed first (its whole tree), and the group is restarted with backoff
 * (orchestrator/core/supervision/restart-policy.ts) until it has failed too often; then it is given up and the
 * other groups carry the run. It also forwards every alert of the state to the alert sink and
 * repairs a damaged state file. Everything it decides is recorded in the state, so a restarted
 * monitor carries on where the last one stopped.
 */
import { AlertForwarder } from '../alerts/alert-forwarder.js';
import type { AlertSink } from '../alerts/alert-sink.js';
import type { RunContext } from '../core/graph/context.js';
import { Draft, transact } from '../core/run/draft.js';
import { agentsOfQuad } from '../core/plan/default-agents.js';
import { StateError } from '../../state/errors.js';
import { describeFailure, groupFailed, groupRestarting, groupSpawned, noGroupLeft, TERMINAL_GROUP, type Failure } from '../core/run/group-transitions.js';
import { classify, heartbeatEveryMs, STORE_STALL_GRACE_MS } from '../core/supervision/health.js';
import { decideRestart, type RestartDecision } from '../core/supervision/restart-policy.js';
import { recoverState } from '../../state/recover.js';
import type { GroupState, State } from '../../state/schema.js';
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

  /** One pass over every group. */
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
    if (s.meta.status !== 'running') return;
    for (const q of this.o.ctx.plan.quads) {
      if (this.stopped) return;
      if (this.pending.has(q.id)) continue;
      const g = s.groups[String(q.id)];
      if (!g || TERMINAL_GROUP.has(g.status)) continue;
      const alive = this.o.supervisor.alive(q.id);
      if (!alive && g.status === 'starting' && g.pid === undefined && this.o.launch && !this.startedAt.has(q.id)) {
        this.launch(q.id);
        continue;
      }
      if (!alive && (g.status === 'dead' || g.status === 'hung')) {
        // Recorded by an earlier monitor that died before restarting it: keep its schedule.
        this.afterFailure(q.id, decideRestart({ restarts: g.restarts, lastRestartAt: g.lastRestartAt }, g.heartbeatAt ?? 0), g, g.restartAt);
        continue;
      }
      const health = classify({
        now, alive, heartbeatAt: g.heartbeatAt, startedAt: this.startedAt.get(q.id) ?? g.startedAt, lastRestartAt: g.lastRestartAt,
        exitedFinished: g.status === 'finished', runOver: false, intervalMs: this.hungIntervalMs(),
        stateWrittenAt: now - this.lastCommitAt < STORE_STALL_GRACE_MS ? this.lastCommitAt : undefined,
      });
      if (health === 'healthy') this.lastHealthy.set(q.id, g.heartbeatAt ?? now);
      if (health === 'healthy' || health === 'starting' || health === 'stale' || health === 'finished') continue;
      await this.handleFailure(q.id, health, g);
    }
    // Checked on a throwaway draft first: the transaction only when there is something to record.
    if (!this.pending.size && noGroupLeft(new Draft(s, now), this.o.ctx)) await this.tx((d) => noGroupLeft(d, this.o.ctx));
  }

  /** Stopped, or the supervisor's groups are gone for good (then it stops for good). */
  private standingDown(): boolean {
    if (!this.stopped && this.o.supervisor.ended?.()) {
      this.stop();
      this.o.onAction?.('the session is gone: keep-alive stands down');
    }
    return this.stopped;
  }

  /**
   * The interval that staleness is measured in: workers heartbeat by the plan's interval, so a
   * monitor told to check more often (--interval) must not judge them by its own.
   */
  private hungIntervalMs(): number {
    return Math.max(this.o.intervalMs, 2 * heartbeatEveryMs(this.o.ctx.plan.keepAliveIntervalMs));
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

  private async handleFailure(quad: number, health: Failure, g: GroupState): Promise<void> {
    const pid = this.o.supervisor.pid(quad) ?? g.pid;
    const age = this.clock.now() - (g.heartbeatAt ?? 0);
    // A hung group (or a dead one whose children linger) is ended as a whole tree first.
    await this.o.supervisor.kill(quad);
    // The kill looked again: a group "gone" because its whole session was killed did not crash.
    if (this.standingDown()) return;
    const what = describeFailure(health, age);
    const decision = decideRestart({ restarts: g.restarts, lastRestartAt: g.lastRestartAt }, this.lastHealthy.get(quad) ?? g.heartbeatAt ?? 0);
    const orphans = await this.tx((d) => groupFailed(d, this.o.ctx, quad, health, decision, pid, what));
    killOwnedGroups(orphans);
    // Attempts whose process group was not recorded yet (or a verify step) are found by their
    // environment; after the requeue, so that recovery does not wait for the scan.
    await this.o.supervisor.sweep?.(quad, this.agentsOf(quad));
    this.o.onAction?.(`quad ${quad} ${what}${decision.action === 'restart' ? `; restarting in ${decision.delayMs / 1000}s (restart ${decision.attempt})` : '; given up'}`);
    this.afterFailure(quad, decision, g);
  }

  private afterFailure(quad: number, decision: RestartDecision, g: GroupState, dueAt?: number): void {
    if (decision.action === 'restart') {
      const delay = dueAt === undefined ? decision.delayMs : Math.max(0, Math.min(decision.delayMs, dueAt - this.clock.now()));
      this.pending.add(quad);
      const t = this.clock.setTimeout(() => {
        this.timers.delete(t);
        void this.restart(quad, decision.attempt)
          .catch((e) => this.o.alerts.log(`restart of quad ${quad} failed: ${(e as Error).message}`))
          .finally(() => this.pending.delete(quad));
      }, delay);
      this.timers.add(t);
    } else if (g.status !== 'failed') {
      void this.tx((d) => groupFailed(d, this.o.ctx, quad, 'crashed', decision, g.pid, 'died')).catch(() => undefined);
    }
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
