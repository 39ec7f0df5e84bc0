/**
 * A worker group ("quad"): this quad's agents running concurrently in one process. Each agent
 * loops — claim, run, report (and claim the next in the same transaction) — until the run is
 * over. The group heartbeats from its own event loop, which also renews its agents' leases.
 */
import { appendFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { buildContext, type RunContext } from '../orchestrator/context.js';
import { Draft } from '../orchestrator/draft.js';
import { groupStarted, groupStopped } from '../orchestrator/lifecycle.js';
import type { Plan } from '../orchestrator/plan-types.js';
import { runPaths, type RunPaths } from '../orchestrator/paths.js';
import { readRunPlan } from '../orchestrator/run-setup.js';
import { claimFor, expireLeases, finish, heartbeat, HEARTBEAT_MS, started, type Claim } from '../orchestrator/transitions.js';
import type { State } from '../state/schema.js';
import type { FileStateStore } from '../state/store.js';
import { appendEvent, runStore } from '../orchestrator/run-store.js';
import { signalGroup } from './process-groups.js';
import { runAttempt } from './task-runner.js';
import type { GroupView } from './view.js';

export interface WorkerOptions {
  runDir: string;
  quad: number;
  view: GroupView;
}

export class WorkerGroup {
  readonly paths: RunPaths;
  readonly plan: Plan;
  readonly agents: string[];
  private ctx: RunContext;
  private store: FileStateStore;
  private wakers = new Set<() => void>();
  private abort = new AbortController();
  private stopping = false;
  private heartbeatTimer?: NodeJS.Timeout;
  private unwatch?: () => void;

  constructor(private o: WorkerOptions) {
    this.paths = runPaths(o.runDir);
    this.plan = readRunPlan(this.paths);
    this.agents = this.plan.agents.filter((a) => a.quad === o.quad).map((a) => a.name);
    this.store = runStore(this.paths);
    this.ctx = buildContext(this.plan);
  }

  get workdir(): string {
    return resolve(this.paths.runDir, this.plan.workdir);
  }

  /** Runs the group to the end of the run; resolves when every agent has stopped. */
  async run(): Promise<void> {
    await this.store.open();
    this.ctx = buildContext(this.plan, this.store.read().meta.learned);
    this.reap(await this.tx((d) => groupStarted(d, this.ctx, this.o.quad, process.pid, this.agents)));
    this.heartbeatTimer = setInterval(() => void this.beat(), HEARTBEAT_MS);
    this.unwatch = this.store.watch(() => this.wakeAll(), 250);
    this.o.view.groupStarted(this.o.quad, this.agents);
    for (const a of this.agents) this.agentLog(a, `ready in quad ${this.o.quad} (worker pid ${process.pid})`);
    await Promise.all(this.agents.map((a) => this.agentLoop(a)));
    await this.shutdown(this.stopping ? 'stopped' : 'finished');
  }

  /** Stop: end every task tree, hand running tasks back, leave. */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.abort.abort();
    this.wakeAll();
  }

  private async shutdown(why: 'finished' | 'stopped'): Promise<void> {
    clearInterval(this.heartbeatTimer);
    this.unwatch?.();
    await this.tx((d) => groupStopped(d, this.o.quad, this.agents, why)).catch(() => undefined);
    await this.store.close();
    this.o.view.groupStopped(why);
  }

  private async beat(): Promise<void> {
    try {
      const orphans = await this.tx((d) => {
        heartbeat(d, this.o.quad, process.pid, this.agents);
        return expireLeases(d, this.ctx);
      });
      this.reap(orphans);
    } catch (e) {
      this.o.view.log(`heartbeat failed: ${(e as Error).message}`);
    }
  }

  private tx<R>(fn: (d: Draft) => R): Promise<R> {
    return this.store.transaction((s) => {
      const d = new Draft(s, Date.now());
      return d.result(fn(d));
    });
  }

  private reap(orphans: number[]): void {
    for (const pgid of orphans) signalGroup(pgid, 'SIGKILL');
  }

  private wakeAll(): void {
    for (const w of [...this.wakers]) w();
  }

  /** Waits until something changed or `ms` passed. */
  private sleep(ms: number): Promise<void> {
    return new Promise((res) => {
      const done = () => {
        clearTimeout(t);
        this.wakers.delete(done);
        res();
      };
      const t = setTimeout(done, ms);
      this.wakers.add(done);
    });
  }

  /** Would a claim transaction do anything now? Checked lock-free on the latest state. */
  private worthClaiming(s: State, agent: string): boolean {
    if (s.meta.status !== 'running') return true;
    const d = new Draft(s, Date.now());
    if (expireLeases(d, this.ctx).length || d.ops.length) return true;
    return claimFor(d, this.ctx, this.o.quad, [agent]).length > 0;
  }

  private nextWakeMs(s: State): number {
    let soonest = 1000;
    const now = Date.now();
    for (const t of Object.values(s.tasks)) {
      if (t.status === 'ready' && t.notBefore && t.notBefore > now) soonest = Math.min(soonest, t.notBefore - now + 1);
    }
    return soonest;
  }

  private async agentLoop(agent: string): Promise<void> {
    let claim: Claim | undefined;
    for (;;) {
      if (this.stopping) return;
      if (!claim) {
        const s = this.store.read();
        if (!this.worthClaiming(s, agent)) {
          await this.sleep(this.nextWakeMs(s));
          continue;
        }
        const r = await this.tx((d) => ({ orphans: expireLeases(d, this.ctx), claims: claimFor(d, this.ctx, this.o.quad, [agent]), over: d.meta.status !== 'running' }));
        this.reap(r.orphans);
        this.wakeAll();
        claim = r.claims[0];
        if (!claim) {
          if (r.over) return;
          continue;
        }
      }
      claim = await this.runClaim(claim);
    }
  }

  /** Runs one claimed attempt, reports it and claims the agent's next task in the same transaction. */
  private async runClaim(c: Claim): Promise<Claim | undefined> {
    const def = this.ctx.tasks.get(c.task)!;
    const view = this.o.view;
    view.agentStarted(c.agent, def, c.attempt);
    this.agentLog(c.agent, `${def.id} ${def.title}: attempt ${c.attempt} started`);
    const res = await runAttempt({
      def, cwd: this.workdir, agent: c.agent, attempt: c.attempt, logFile: this.paths.taskLog(def.id), signal: this.abort.signal,
      onLine: (line) => {
        view.agentOutput(c.agent, line);
        this.agentLog(c.agent, `${def.id} | ${line}`);
      },
      onStart: (pgid) => {
        appendEvent(this.paths, { ts: Date.now(), type: 'started', task: c.task, agent: c.agent, attempt: c.attempt, fence: c.fence, quad: this.o.quad });
        void this.tx((d) => started(d, c.task, c.fence, pgid)).catch(() => undefined);
      },
    });
    this.agentLog(c.agent, `${def.id}: ${res.ok ? 'done' : `failed (${res.reason})`} in ${res.durationMs} ms`);
    view.agentFinished(c.agent, def, res.ok, res.reason);
    if (this.stopping && res.aborted) return undefined;
    const r = await this.tx((d) => {
      const counted = finish(d, this.ctx, { task: c.task, agent: c.agent, fence: c.fence, ...res, reason: res.reason });
      const next = this.stopping ? [] : claimFor(d, this.ctx, this.o.quad, [c.agent]);
      return { counted, next };
    });
    if (!r.counted) view.log(`${c.agent}: result of ${c.task} (fence ${c.fence}) rejected as stale`);
    this.wakeAll();
    return r.next[0];
  }

  private agentLog(agent: string, line: string): void {
    appendFileSync(this.paths.agentLog(agent), `${new Date().toISOString()} ${line}\n`, { mode: 0o600 });
  }
}
