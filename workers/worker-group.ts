/**
 * A worker group ("quad"): this quad's agents running concurrently in one process. Each agent
 * loops — claim, run, report (and claim the next in the same transaction) — until the run is
 * over. The group heartbeats from its own event loop, which also renews its agents' leases.
 */
import { existsSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { buildContext, type RunContext } from '../orchestrator/core/graph/context.js';
import { Draft, transact } from '../orchestrator/core/run/draft.js';
import { agentsOfQuad } from '../orchestrator/core/plan/default-agents.js';
import { groupStarted, groupStopped } from '../orchestrator/core/run/lifecycle.js';
import type { Plan } from '../orchestrator/core/plan/plan-types.js';
import { runPaths, type RunPaths } from '../orchestrator/run-dir/paths.js';
import { readRunPlan } from '../orchestrator/run-dir/run-plan.js';
import { claimFor, expireLeases, finish, heartbeat, started, type Claim } from '../orchestrator/core/run/transitions.js';
import { heartbeatEveryMs } from '../orchestrator/core/supervision/health.js';
import type { FileStateStore } from '../state/store.js';
import type { State } from '../state/schema.js';
import { appendEvent, runStore } from '../orchestrator/run-dir/run-store.js';
import { signalGroup } from './os/process-groups.js';
import { AppendLog } from './append-log.js';
import { SupervisorWatch } from './supervisor-watch.js';
import { DiskError, diskErrorOf } from '../orchestrator/core/errors.js';
import { RUN_DIR_ENV, SUPERVISOR_ENV, parseSupervisor } from '../orchestrator/supervisors/worker-process.js';
import { killOwnedGroups, startTimeOf } from './os/process-tree.js';
import type { ProcessGroupRef } from '../orchestrator/core/run/process-group-ref.js';
import { StraySweeper } from './os/stray-sweep.js';
import { runAttempt, type AgentContext, type AttemptResult } from './task-runner.js';
import { agentProgress, agentAttemptEnded, agentLimited, agentNeedsInput, agentStalled, type AgentRef } from '../orchestrator/core/run/agent-transitions.js';
import { agentRecord, attemptBase, type AgentRecordState } from '../orchestrator/core/agents/record.js';
import { tokenTotal, type AgentEvent } from '../orchestrator/core/agents/events.js';
import { attemptSummary, type AttemptView } from '../orchestrator/core/agents/attempt.js';
import type { TaskDef } from '../orchestrator/core/plan/plan-types.js';
import type { AgentRecord } from '../state/schema.js';

/** A running agent's progress goes to the state at most this often (sessions, questions at once). */
export const AGENT_PROGRESS_MS = 1000;
import { TaskWorkspaces } from '../orchestrator/run-dir/task-workspace.js';
import { worktreeAttempt } from './worktree-attempt.js';
import type { GitReport } from '../orchestrator/core/run/transitions.js';
import type { GroupView } from './view.js';
import { appendPrivate } from '../state/private-file.js';
import { systemClock, type Clock, type ClockTimer } from './os/clock.js';

/**
 * An attempt's process group is recorded in the state (for orphan cleanup) only when it is
 * still running this long after it started: most short tasks are over by then, and a
 * transaction per spawn was the largest per-task cost of short tasks. (A group that dies
 * sooner leaves tasks that carry ORCHESTRATOR_RUN_DIR, which the monitor finds.)
 */
export const PGID_RECORD_DELAY_MS = 100;

/**
 * How much of each attempt's output the agent's log gets (then a pointer to the task log,
 * which keeps all of it): the agent log is a timeline, not a second copy of every flood.
 */
export const AGENT_LOG_SHARE_BYTES = 16 * 1024;

/** Leftovers of finished attempts are looked for at most this often (stray-sweep.ts). */
export const SWEEP_DELAY_MS = 1000;

/** Which idle agents of this group a claim would serve, as of one state sequence. */
interface Claimable {
  seq: number;
  at: number;
  agents: Set<string>;
  /** Something else to do: leases to expire, or the run is over. */
  other: boolean;
}

export interface WorkerOptions {
  runDir: string;
  quad: number;
  view: GroupView;
  /** Time, heartbeats and the agents' sleeps (tests: a virtual clock). */
  clock?: Clock;
}

export class WorkerGroup {
  readonly paths: RunPaths;
  readonly plan: Plan;
  readonly agents: string[];
  private ctx: RunContext;
  private store: FileStateStore;
  private sleepers = new Map<string, () => void>();
  private wakeQueued = false;
  private claimable?: Claimable;
  private abort = new AbortController();
  private stopping = false;
  private heartbeatTimer?: ClockTimer;
  private unwatch?: () => void;
  private workspaces?: TaskWorkspaces;
  private agentLogs = new Map<string, AppendLog>();
  /** Attempts running now, as task / agent / attempt (what their processes carry in their environment). */
  private running = new Set<string>();
  private sweeper: StraySweeper;
  private sweepTimer?: ClockTimer;
  private sweepingAll = false;
  /** Whether whoever supervises this group is gone for good (then it stops; supervisor-watch.ts). */
  private supervisor: SupervisorWatch;
  /** The disk refused a state write: the group stops and says so (worker-main.ts maps it to an exit code). */
  private fatal?: DiskError;
  private readonly clock: Clock;

  constructor(private o: WorkerOptions) {
    this.clock = o.clock ?? systemClock;
    this.paths = runPaths(o.runDir);
    this.plan = readRunPlan(this.paths);
    this.agents = agentsOfQuad(this.plan.agents, o.quad);
    this.store = runStore(this.paths);
    this.supervisor = new SupervisorWatch(this.paths.stateDir, parseSupervisor(process.env[SUPERVISOR_ENV]), this.clock.now());
    this.ctx = buildContext(this.plan);
    const g = this.plan.git;
    if (g?.repo) this.workspaces = new TaskWorkspaces(g.repo, this.plan.name, this.paths.stateDir, g);
    const mine = new Set(this.agents);
    this.sweeper = new StraySweeper((env) => {
      const task = env.get('ORCHESTRATOR_TASK_ID');
      const agent = env.get('ORCHESTRATOR_AGENT') ?? '';
      if (!task || env.get(RUN_DIR_ENV) !== this.paths.runDir || !mine.has(agent)) return 'foreign';
      return !this.sweepingAll && this.running.has(attemptKey(task, agent, env.get('ORCHESTRATOR_ATTEMPT'))) ? 'active' : 'leftover';
    });
  }

  get workdir(): string {
    return resolve(this.paths.runDir, this.plan.workdir);
  }

  /** Runs the group to the end of the run; resolves when every agent has stopped. */
  async run(): Promise<void> {
    await this.store.open();
    this.ctx = buildContext(this.plan, this.store.read().meta.learned);
    // Everything a group does once comes before it announces itself (group-started): from then
    // on its agents are free, and the time until they start their tasks is dispatch latency.
    this.o.view.groupStarted(this.o.quad, this.agents);
    for (const a of this.agents) this.agentLog(a, `ready in quad ${this.o.quad} (worker pid ${process.pid})`);
    this.reap(await this.tx((d) => groupStarted(d, this.ctx, this.o.quad, process.pid, this.agents)));
    // At least twice per keep-alive interval, so the monitor never mistakes a healthy group for hung.
    this.heartbeatTimer = this.clock.setInterval(() => void this.beat(), heartbeatEveryMs(this.plan.keepAliveIntervalMs));
    try {
      await Promise.all(this.agents.map((a) => this.agentLoop(a)));
    } catch (e) {
      // An agent loop died (e.g. an unreadable state, a full disk): leave for good — a worker
      // that keeps heartbeating with dead agents would look healthy to the keep-alive monitor
      // forever. Its tasks are ended; their leases hand them back on the next run.
      this.stopping = true;
      this.clock.clearInterval(this.heartbeatTimer);
      this.unwatch?.();
      this.abort.abort();
      this.sweepNow(true);
      throw diskErrorOf(e, this.paths.stateDir) ?? e;
    }
    if (this.fatal) {
      this.sweepNow(true);
      throw this.fatal;
    }
    await this.shutdown(this.stopping ? 'stopped' : 'finished');
  }

  /** Stop: end every task tree, hand running tasks back, leave. */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.abort.abort();
    this.wakeSoon();
  }

  /**
   * Ends what finished attempts left behind outside their process groups (now, synchronously);
   * `all`: every task process of this group's agents (on the way out).
   */
  sweepNow(all = false): void {
    this.clock.clearTimeout(this.sweepTimer);
    this.sweepTimer = undefined;
    this.sweepingAll = all;
    try {
      this.sweeper.sweep(all || this.running.size === 0);
    } catch (e) {
      this.o.view.log(`could not look for leftover task processes: ${(e as Error).message}`);
    } finally {
      this.sweepingAll = false;
    }
  }

  private sweepSoon(): void {
    this.sweepTimer ??= this.clock.setTimeout(() => this.sweepNow(), SWEEP_DELAY_MS);
  }

  private async shutdown(why: 'finished' | 'stopped'): Promise<void> {
    this.sweepNow(true);
    this.clock.clearInterval(this.heartbeatTimer);
    this.unwatch?.();
    if (why === 'finished') await this.sweepWorktrees().catch(() => undefined);
    await this.tx((d) => groupStopped(d, this.o.quad, this.agents, why)).catch(() => undefined);
    await this.store.close();
    await Promise.all([...this.agentLogs.values()].map((l) => l.end()));
    this.o.view.groupStopped(why);
  }

  /** A finished run keeps no worktree of a done task (one left by a worker killed after its merge). */
  private async sweepWorktrees(): Promise<void> {
    const ws = this.workspaces;
    if (!ws) return;
    for (const t of Object.values(this.store.read().tasks)) {
      if (t.status === 'done' && existsSync(ws.path(t.id))) await ws.removeWorktree(t.id);
    }
  }

  private async beat(): Promise<void> {
    if (!this.stopping && this.supervisor.orphaned(this.clock.now())) {
      this.o.view.log(`${this.supervisor.describe()} is gone and no keep-alive monitor or control process took over: stopping`);
      void this.stop();
      return;
    }
    try {
      const orphans = await this.tx((d) => {
        heartbeat(d, this.o.quad, process.pid, this.agents);
        return expireLeases(d, this.ctx);
      });
      this.reap(orphans);
    } catch (e) {
      const disk = diskErrorOf(e, this.paths.stateDir);
      if (disk && !this.stopping) {
        // Nothing this group does can be recorded any more: stop cleanly rather than run blind.
        this.fatal = disk;
        void this.stop();
      }
      this.o.view.log(`heartbeat failed: ${disk?.message ?? (e as Error).message}`);
    }
  }

  private tx<R>(fn: (d: Draft) => R): Promise<R> {
    return transact(this.store, fn, () => this.clock.now());
  }

  /** Ends orphaned attempts' groups, each only while its recorded leader lives (a reused id is not ours). */
  private reap(orphans: ProcessGroupRef[]): void {
    killOwnedGroups(orphans);
  }

  /**
   * The state changed: wake the sleeping agents a claim would now serve. Deferred and merged
   * (one evaluation per burst of changes, for the whole group), so that an agent that just
   * claimed its next task spawns it before its siblings look at the state.
   */
  private wakeSoon(): void {
    if (this.wakeQueued) return;
    this.wakeQueued = true;
    setImmediate(() => {
      this.wakeQueued = false;
      if (!this.sleepers.size) return;
      let c: Claimable | undefined;
      try {
        c = this.stopping ? undefined : this.evaluate(this.store.read());
      } catch {
        // The state cannot be read just now: wake everyone, their own loops deal with it.
      }
      for (const [agent, wake] of [...this.sleepers]) if (!c || c.other || c.agents.has(agent)) wake();
    });
  }

  /**
   * Waits until wakeSoon picks this agent or `ms` passed. The state is watched only while an
   * agent sleeps: when every agent is busy, following each transaction of the other groups
   * would cost this process CPU for nothing. (Watching starts with a look at the state, so a
   * change just before it is not missed.)
   */
  private sleep(agent: string, ms: number): Promise<void> {
    return new Promise((res) => {
      const done = () => {
        this.clock.clearTimeout(t);
        this.sleepers.delete(agent);
        if (!this.sleepers.size) {
          this.unwatch?.();
          this.unwatch = undefined;
        }
        res();
      };
      const t = this.clock.setTimeout(() => {
        this.claimable = undefined; // time passed: retry backoffs and leases may have run out
        done();
      }, ms);
      this.sleepers.set(agent, done);
      this.unwatch ??= this.store.watch(() => this.wakeSoon(), 250);
    });
  }

  /** Lock-free, on the latest state `s`, once per state change (and at most 50 ms old). */
  private evaluate(s: State): Claimable {
    const now = this.clock.now();
    const seq = this.store.sequence;
    const c = this.claimable;
    if (c && c.seq === seq && now - c.at < 50) return c;
    let other = s.meta.status !== 'running';
    let agents = new Set<string>();
    if (!other) {
      const d = new Draft(s, now, this.store.index());
      other = expireLeases(d, this.ctx).length > 0 || d.ops.length > 0;
      agents = new Set(claimFor(d, this.ctx, this.o.quad, this.agents).map((x) => x.agent));
    }
    return (this.claimable = { seq, at: now, agents, other });
  }

  /** Would a claim transaction do anything for `agent` now? */
  private worthClaiming(agent: string, s: State): boolean {
    const c = this.evaluate(s);
    return c.other || c.agents.has(agent);
  }

  /** Until the earliest retry backoff of a ready task ends, at most a second. */
  private nextWakeMs(s: State): number {
    let soonest = 1000;
    const now = this.clock.now();
    for (const id of this.store.index().ready) {
      const t = s.tasks[id];
      if (t?.notBefore && t.notBefore > now) soonest = Math.min(soonest, t.notBefore - now + 1);
    }
    return soonest;
  }

  private async agentLoop(agent: string): Promise<void> {
    let claim: Claim | undefined;
    for (;;) {
      if (this.stopping) return;
      if (!claim) {
        const s = this.store.read(); // one catch-up for both questions
        if (!this.worthClaiming(agent, s)) {
          await this.sleep(agent, this.nextWakeMs(s));
          continue;
        }
        const r = await this.tx((d) => ({ orphans: expireLeases(d, this.ctx), claims: claimFor(d, this.ctx, this.o.quad, [agent]), over: d.meta.status !== 'running' }));
        this.reap(r.orphans);
        this.wakeSoon();
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
    // Shown and logged once the process exists (or could not start): the spawn goes first.
    let announced = false;
    const announce = () => {
      if (announced) return;
      announced = true;
      view.agentStarted(c.agent, def, c.attempt);
      this.agentLog(c.agent, `${def.id} ${def.title}: attempt ${c.attempt} started`);
    };
    let recordPgid: ClockTimer | undefined;
    let shared = 0;
    const key = attemptKey(c.task, c.agent, String(c.attempt));
    this.running.add(key);
    const ai = def.agent ? this.agentContext(c, def) : undefined;
    const run = (cwd: string) => runAttempt({
      ...(ai && { ai: ai.ctx }),
      def, cwd, agent: c.agent, attempt: c.attempt, logFile: this.paths.taskLog(def.id), signal: this.abort.signal,
      onLine: (line) => {
        view.agentOutput(c.agent, line);
        if (shared > AGENT_LOG_SHARE_BYTES) return;
        shared += line.length + 1;
        if (shared <= AGENT_LOG_SHARE_BYTES) this.agentLog(c.agent, `${def.id} | ${line}`);
        else this.agentLog(c.agent, `${def.id} | … the rest of its output is in ${relative(this.paths.runDir, this.paths.taskLog(def.id))}`);
      },
      onLogFailed: (why) => view.log(`${c.agent}: ${def.id}'s log stopped: ${why}`),
      onStart: (pgid) => {
        try {
          appendEvent(this.paths, { ts: this.clock.now(), type: 'started', task: c.task, agent: c.agent, attempt: c.attempt, fence: c.fence, quad: this.o.quad });
        } catch (e) {
          view.log(`could not record the start of ${c.task} in the event log: ${(e as Error).message}`);
        }
        announce();
        // The leader's start time is read now, while it surely lives: it makes the record provable.
        const group: ProcessGroupRef = { pgid, start: startTimeOf(pgid) };
        recordPgid = this.clock.setTimeout(() => void this.tx((d) => started(d, c.task, c.fence, group)).catch(() => undefined), PGID_RECORD_DELAY_MS);
      },
    });
    // Worktree mode: the attempt runs in the task's own worktree, then is committed and merged.
    const ws = def.workspace === 'worktree' ? this.workspaces : undefined;
    const res: Partial<AttemptResult> & AttemptResult & { git?: GitReport } = ws ? await worktreeAttempt(ws, def, this.store.read().tasks[c.task]?.hash ?? '', this.paths.taskLog(def.id), run) : await run(this.workdir);
    this.clock.clearTimeout(recordPgid);
    this.running.delete(key);
    this.sweepSoon();
    announce();
    this.agentLog(c.agent, `${def.id}: ${res.ok ? 'done' : `failed (${res.reason})`} in ${res.durationMs} ms`);
    view.agentFinished(c.agent, def, res.ok, res.reason);
    if (this.stopping && res.aborted) return undefined;
    const r = await this.tx((d) => {
      if (ai && res.ai) {
        const held = this.agentEnded(d, c, def, ai.finalRecord(res), res);
        if (held) return { counted: true, next: this.stopping ? [] : claimFor(d, this.ctx, this.o.quad, [c.agent]) };
      }
      const counted = finish(d, this.ctx, { task: c.task, agent: c.agent, fence: c.fence, run: c.run, ...res, reason: res.reason, git: res.git });
      const next = this.stopping ? [] : claimFor(d, this.ctx, this.o.quad, [c.agent]);
      return { counted, next };
    });
    if (!r.counted) view.log(`${c.agent}: result of ${c.task} (fence ${c.fence}) rejected as stale`);
    this.wakeSoon();
    return r.next[0];
  }

  /**
   * What an agent attempt needs from the state (its session to resume, what earlier attempts
   * spent) and how its progress gets there: the session and questions at once, the rest at
   * most once per AGENT_PROGRESS_MS.
   */
  private agentContext(c: Claim, def: TaskDef): { ctx: AgentContext; finalRecord: (res: AttemptResult) => AgentRecord } {
    const spec = def.agent!;
    const prev = this.store.read().tasks[c.task]?.ai;
    const base = attemptBase(prev);
    const ref: AgentRef = { task: c.task, agent: c.agent, fence: c.fence };
    let lastWrite = 0;
    let pending: ClockTimer | undefined;
    let latest: AttemptView | undefined;
    let asked: string | undefined;
    let announced = prev?.session;
    const rec = (v: AttemptView, state: AgentRecordState) => agentRecord(base, v, state) as AgentRecord;
    const write = () => {
      pending = undefined;
      lastWrite = this.clock.now();
      const v = latest!;
      void this.tx((d) => agentProgress(d, ref, rec(v, v.question && spec.onInput === 'wait' ? 'needs-input' : 'working'))).catch(() => undefined);
    };
    const onEvent = (v: AttemptView, e: AgentEvent) => {
      latest = v;
      const r = rec(v, 'working');
      this.o.view.agentProgress?.(c.agent, attemptSummary(spec.cli, r.turns, tokenTotal(r.tokens), r.costUsd));
      if (e.kind === 'session' && e.id && e.id !== announced) {
        announced = e.id;
        this.clock.clearTimeout(pending);
        lastWrite = this.clock.now();
        void this.tx((d) => {
          agentProgress(d, ref, rec(v, 'working'));
          d.event({ type: 'agent-session', task: c.task, agent: c.agent, cli: spec.cli, session: e.id, reason: e.version ? `v${e.version}` : undefined });
        }).catch(() => undefined);
        return;
      }
      if (e.kind === 'needs-input' && e.question !== asked) {
        asked = e.question;
        this.clock.clearTimeout(pending);
        lastWrite = this.clock.now();
        void this.tx((d) => agentNeedsInput(d, ref, rec(v, spec.onInput === 'wait' ? 'needs-input' : 'working'), e.question)).catch(() => undefined);
        return;
      }
      if (pending) return;
      pending = this.clock.setTimeout(write, Math.max(0, lastWrite + AGENT_PROGRESS_MS - this.clock.now()));
    };
    return {
      ctx: {
        preset: this.plan.agentPresets?.[spec.cli], agentPath: this.plan.agentPath, promptDir: resolve(this.paths.stateDir, 'prompts'),
        resume: prev?.session, threadBase: prev?.thread, earlierTokens: tokenTotal(base.tokens), onEvent,
      },
      finalRecord: (res) => {
        this.clock.clearTimeout(pending);
        const kind = res.ai!.verdict.kind;
        return rec(res.ai!.view, kind === 'limit' ? 'paused' : kind === 'stalled' ? 'stalled' : res.ok ? 'done' : 'failed');
      },
    };
  }

  /** Records an agent attempt's end; true when the task was held back (limit, stall) rather than finished. */
  private agentEnded(d: Draft, c: Claim, def: TaskDef, rec: AgentRecord, res: AttemptResult): boolean {
    const ref: AgentRef = { task: c.task, agent: c.agent, fence: c.fence };
    const run = res.ai!;
    if (run.verdict.kind === 'limit') {
      agentLimited(d, this.ctx, ref, rec, run.verdict.resetAt + def.agent!.limitMarginMs, run.verdict.message);
      return true;
    }
    if (run.verdict.kind === 'stalled') {
      agentStalled(d, this.ctx, ref, rec, run.verdict.reason);
      return true;
    }
    if (run.stop?.kind === 'budget') d.event({ type: 'agent-budget', task: c.task, agent: c.agent, cli: rec.cli, tokens: tokenTotal(rec.tokens), reason: run.stop.reason });
    agentAttemptEnded(d, ref, rec);
    return false;
  }

  /** The agent's timeline, written asynchronously; a log that fails (a full disk) is dropped, once said. */
  private agentLog(agent: string, line: string): void {
    let log = this.agentLogs.get(agent);
    if (!log) {
      log = new AppendLog(this.paths.agentLog(agent), (why) => this.o.view.log(`${agent}'s log stopped: ${why}`));
      this.agentLogs.set(agent, log);
    }
    log.write(`${new Date().toISOString()} ${line}\n`);
  }
}

const attemptKey = (task: string, agent: string, attempt: string | undefined) => `${task}\0${agent}\0${attempt ?? ''}`;
