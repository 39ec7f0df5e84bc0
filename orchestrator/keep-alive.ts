/**
 * The keep-alive monitor. Every interval it looks at each worker group — process (or pane)
 * alive, heartbeat fresh — classifies it (orchestrator/health.ts) and acts: a crashed or hung
 * group's leases are expired at once (its tasks are ready again within one interval), a hung
 * group is killed first, and the group is restarted with backoff (orchestrator/restart-policy.ts)
 * until it has failed too often; then it is given up and the other groups carry the run.
 */
import { AlertSink } from './alert-sink.js';
import type { RunContext } from './context.js';
import { Draft } from './draft.js';
import { classify, type Health } from './health.js';
import { decideRestart } from './restart-policy.js';
import { expireLeases } from './transitions.js';
import type { Alert, State } from '../state/schema.js';
import type { FileStateStore } from '../state/store.js';
import { signalGroup } from '../workers/process-groups.js';

/** How the monitor reaches worker groups: child processes, adopted pids or tmux panes. */
export interface GroupSupervisor {
  alive(quad: number): boolean;
  pid(quad: number): number | undefined;
  /** Starts (or restarts) the group; returns its pid when known. */
  start(quad: number): Promise<number | undefined>;
  /** Ends the group's process tree now. */
  kill(quad: number): Promise<void>;
}

export interface KeepAliveOptions {
  store: FileStateStore;
  ctx: RunContext;
  supervisor: GroupSupervisor;
  intervalMs: number;
  alerts: AlertSink;
  /** Called with one line per action (the control pane / run output). */
  onAction?: (line: string) => void;
}

export class KeepAlive {
  private timer?: NodeJS.Timeout;
  private busy = false;
  private again = false;
  private pendingRestart = new Set<number>();
  private startedAt = new Map<number, number>();
  private lastHealthy = new Map<number, number>();
  private stopped = false;

  constructor(private o: KeepAliveOptions) {}

  start(): void {
    this.timer = setInterval(() => this.tickSoon(), this.o.intervalMs);
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.timer);
  }

  /** Marks a group as just (re)started by this monitor (for the start-up grace). */
  noteStarted(quad: number, at = Date.now()): void {
    this.startedAt.set(quad, at);
  }

  /** Runs a check now (e.g. a child exited), coalescing overlapping requests. */
  tickSoon(): void {
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
    if (this.stopped) return;
    const s = this.o.store.read();
    const now = Date.now();
    for (const q of this.o.ctx.plan.quads) {
      if (this.pendingRestart.has(q.id)) continue;
      const g = s.groups[String(q.id)];
      if (!g || g.status === 'failed' || g.status === 'stopped') continue;
      const health = classify({
        now, alive: this.o.supervisor.alive(q.id), heartbeatAt: g.heartbeatAt, startedAt: this.startedAt.get(q.id) ?? g.startedAt,
        lastRestartAt: g.lastRestartAt, exitedFinished: g.status === 'finished', runOver: s.meta.status !== 'running', intervalMs: this.o.intervalMs,
      });
      if (health === 'healthy') this.lastHealthy.set(q.id, g.heartbeatAt ?? now);
      if (health === 'healthy' || health === 'starting' || health === 'finished') continue;
      await this.handleFailure(q.id, health, s);
    }
  }

  private async tx<R>(fn: (d: Draft) => R): Promise<{ value: R; alerts: Alert[] }> {
    return this.o.store.transaction((s) => {
      const d = new Draft(s, Date.now());
      const value = fn(d);
      const alerts = d.ops.flatMap((op) => (op.op === 'alert' ? [op.v] : []));
      return d.result({ value, alerts });
    });
  }

  private async send(alerts: Alert[]): Promise<void> {
    await Promise.all(alerts.map((a) => this.o.alerts.send(a)));
  }

  private async handleFailure(quad: number, health: Exclude<Health, 'healthy' | 'starting' | 'finished'>, s: State): Promise<void> {
    const g = s.groups[String(quad)]!;
    const pid = this.o.supervisor.pid(quad) ?? g.pid;
    if (health === 'hung') await this.o.supervisor.kill(quad);
    const what = health === 'hung' ? `hung (no heartbeat for ${Math.round((Date.now() - (g.heartbeatAt ?? 0)) / 1000)}s; killed)` : health === 'crash-looping' ? 'died again soon after a restart' : 'died';
    const decision = decideRestart({ restarts: g.restarts, lastRestartAt: g.lastRestartAt }, this.lastHealthy.get(quad) ?? g.heartbeatAt ?? 0);
    const r = await this.tx((d) => {
      const orphans = expireLeases(d, this.o.ctx, new Set([quad]));
      for (const name of d.agentNames()) {
        const a = d.agent(name)!;
        if (a.quad === quad && a.status !== 'dead') d.setAgent({ ...a, status: 'dead', task: undefined, since: d.now });
      }
      const cur = d.group(quad) ?? g;
      const status = decision.action === 'give-up' ? 'failed' : health === 'hung' ? 'hung' : 'dead';
      d.setGroup({ ...cur, status, restarts: decision.action === 'give-up' ? decision.restarts : cur.restarts });
      d.alert({ level: 'warning', kind: `group-${health}`, message: `quad ${quad} (pid ${pid ?? '?'}) ${what}`, quad });
      if (decision.action === 'give-up') {
        d.alert({ level: 'critical', kind: 'group-given-up', message: `quad ${quad} failed ${decision.restarts + 1} times; given up — the other groups carry the run`, quad });
        d.event({ type: 'group-failed', quad, reason: `${decision.restarts} restarts used` });
      }
      return orphans;
    });
    for (const pgid of r.value) signalGroup(pgid, 'SIGKILL');
    this.o.onAction?.(`quad ${quad} ${what}${decision.action === 'restart' ? `; restarting in ${decision.delayMs / 1000}s (restart ${decision.attempt})` : '; given up'}`);
    await this.send(r.alerts);
    if (decision.action === 'restart') this.scheduleRestart(quad, decision.delayMs, decision.attempt);
  }

  private scheduleRestart(quad: number, delayMs: number, attempt: number): void {
    this.pendingRestart.add(quad);
    setTimeout(() => void this.restart(quad, attempt).finally(() => this.pendingRestart.delete(quad)), delayMs);
  }

  private async restart(quad: number, attempt: number): Promise<void> {
    if (this.stopped || this.o.store.read().meta.status !== 'running') return;
    if (this.o.supervisor.alive(quad)) await this.o.supervisor.kill(quad);
    const pid = await this.o.supervisor.start(quad);
    const now = Date.now();
    this.noteStarted(quad, now);
    const r = await this.tx((d) => {
      const cur = d.group(quad)!;
      d.setGroup({ ...cur, status: 'restarting', pid, startedAt: now, restarts: attempt, lastRestartAt: now });
      for (const name of d.agentNames()) {
        const a = d.agent(name)!;
        if (a.quad === quad) d.setAgent({ ...a, status: 'restarting', task: undefined, since: now });
      }
      d.alert({ level: 'info', kind: 'group-restarted', message: `quad ${quad} restarted (restart ${attempt}, pid ${pid ?? '?'})`, quad });
      d.event({ type: 'group-restarted', quad, reason: `restart ${attempt}, pid ${pid ?? '?'}` });
    });
    this.o.onAction?.(`quad ${quad} restarted (pid ${pid ?? '?'})`);
    await this.send(r.alerts);
  }
}
