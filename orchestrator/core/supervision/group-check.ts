/**
 * What the keep-alive monitor decides on one check of the worker groups, as a pure function:
 * given the facts it gathered (the state's group records, which processes live, what it started
 * itself, when anyone last wrote the state) and the time, the list of actions to carry out, in
 * order. Which group is dead or hung, restart or give up, after how long, when the run has no
 * group left: all here. The monitor (orchestrator/supervisors/keep-alive.ts) only gathers the
 * facts and acts; the tasks requeued and the alerts raised for a failure are the store
 * transition `groupFailed` (core/run/group-transitions.ts) that a `fail` action records.
 */
import type { GroupState, State } from '../../../state/schema.js';
import { describeFailure, TERMINAL_GROUP, type Failure } from '../run/group-transitions.js';
import { classify, heartbeatEveryMs, STORE_STALL_GRACE_MS } from './health.js';
import { decideRestart, type RestartDecision } from './restart-policy.js';

/** One worker group as the monitor sees it at the start of a check. */
export interface GroupFacts {
  quad: number;
  /** What the state records about the group (undefined: nothing yet). */
  record: GroupState | undefined;
  /** Its process (or pane) lives. */
  alive: boolean;
  /** A restart or launch of it is scheduled or under way: the check leaves it alone. */
  inHand: boolean;
  /** When this monitor last (re)started its process, if it did. */
  startedAt?: number;
  /** Its last heartbeat this monitor saw fresh (the restart count's healthy time). */
  lastHealthyAt?: number;
  /** Its pid as the supervisor knows it (spawned or adopted), if it does. */
  pid?: number;
}

export interface CheckFacts {
  now: number;
  runStatus: State['meta']['status'];
  groups: readonly GroupFacts[];
  /** This monitor starts groups that never started (child-process modes; tmux panes start themselves). */
  launch: boolean;
  /** The interval that heartbeats are judged by (hungIntervalMs). */
  intervalMs: number;
  /** When this monitor last saw the state's sequence change (anyone's commit). */
  lastCommitAt: number;
  /** Some group's restart or launch is scheduled or under way (of any group). */
  restartsInHand: boolean;
}

export type CheckAction =
  /** First start of a group that never ran. */
  | { kind: 'launch'; quad: number }
  /** Remember the group's heartbeat as fresh at `at`. */
  | { kind: 'seen-healthy'; quad: number; at: number }
  /**
   * The group died or hung: end its process tree, then record the failure (`groupFailed`: its
   * tasks ready again, its agents dead, alerts) with `restart` as what happens next.
   */
  | { kind: 'fail'; quad: number; health: Failure; pid: number | undefined; what: string; restart: RestartDecision }
  /** Start the group again (as restart number `attempt`) after `delayMs`. */
  | { kind: 'restart'; quad: number; attempt: number; delayMs: number }
  /** A group an earlier monitor recorded dead has used its restarts: record it given up. */
  | { kind: 'give-up'; quad: number; pid: number | undefined; restart: RestartDecision & { action: 'give-up' } }
  /** Every group is finished, stopped or given up while the run goes on: interrupt it (`noGroupLeft`). */
  | { kind: 'run-stalled' };

/**
 * The interval that staleness is measured in: workers heartbeat by the plan's interval, so a
 * monitor told to check more often (--interval) must not judge them by its own.
 */
export function hungIntervalMs(monitorIntervalMs: number, planIntervalMs: number): number {
  return Math.max(monitorIntervalMs, 2 * heartbeatEveryMs(planIntervalMs));
}

/** The actions of one check, in the order they are to be carried out. */
export function checkGroups(f: CheckFacts): CheckAction[] {
  if (f.runStatus !== 'running') return [];
  const actions = f.groups.flatMap((g) => checkGroup(g, f));
  if (!f.restartsInHand && f.groups.every((g) => g.record && TERMINAL_GROUP.has(g.record.status))) actions.push({ kind: 'run-stalled' });
  return actions;
}

/** What to do about one group. */
export function checkGroup(g: GroupFacts, f: CheckFacts): CheckAction[] {
  const rec = g.record;
  if (g.inHand || !rec || TERMINAL_GROUP.has(rec.status)) return [];
  const quad = g.quad;
  if (!g.alive && rec.status === 'starting' && rec.pid === undefined && f.launch && g.startedAt === undefined) return [{ kind: 'launch', quad }];
  if (!g.alive && (rec.status === 'dead' || rec.status === 'hung')) {
    // Recorded by an earlier monitor that died before restarting it: keep its schedule (what is
    // left of the wait it recorded, never more than the policy's delay), or give it up.
    const restart = decideRestart({ restarts: rec.restarts, lastRestartAt: rec.lastRestartAt }, rec.heartbeatAt ?? 0);
    if (restart.action === 'give-up') return [{ kind: 'give-up', quad, pid: rec.pid, restart }];
    const delayMs = rec.restartAt === undefined ? restart.delayMs : Math.max(0, Math.min(restart.delayMs, rec.restartAt - f.now));
    return [{ kind: 'restart', quad, attempt: restart.attempt, delayMs }];
  }
  const health = classify({
    now: f.now, alive: g.alive, heartbeatAt: rec.heartbeatAt, startedAt: g.startedAt ?? rec.startedAt, lastRestartAt: rec.lastRestartAt,
    exitedFinished: rec.status === 'finished', runOver: false, intervalMs: f.intervalMs,
    stateWrittenAt: f.now - f.lastCommitAt < STORE_STALL_GRACE_MS ? f.lastCommitAt : undefined,
  });
  if (health === 'healthy') return [{ kind: 'seen-healthy', quad, at: rec.heartbeatAt ?? f.now }];
  if (health === 'starting' || health === 'stale' || health === 'finished') return [];
  const restart = decideRestart({ restarts: rec.restarts, lastRestartAt: rec.lastRestartAt }, g.lastHealthyAt ?? rec.heartbeatAt ?? 0);
  const fail: CheckAction = { kind: 'fail', quad, health, pid: g.pid ?? rec.pid, what: describeFailure(health, f.now - (rec.heartbeatAt ?? 0)), restart };
  // `groupFailed` records a give-up itself; only a restart is left to schedule.
  return restart.action === 'restart' ? [fail, { kind: 'restart', quad, attempt: restart.attempt, delayMs: restart.delayMs }] : [fail];
}
