/**
 * The shape of a run's state (zod), its one definition: a snapshot read from disk is validated
 * against it unless its checksum vouches for it (snapshot.ts); inside, the state is trusted.
 * Bump STATE_SCHEMA when the shape changes incompatibly.
 *
 * zod itself is loaded when a schema is first asked for: it costs a process about 15 MB and
 * 60–100 ms to load, and a worker group that only reads its own checksummed snapshots never
 * needs it. The types are derived from the same schemas at compile time.
 */
import { createRequire } from 'node:module';
import type { z as Zod } from 'zod';

export const STATE_SCHEMA = 1;
export const MAX_ALERTS = 200;

export const TASK_STATUSES = ['pending', 'ready', 'running', 'done', 'failed', 'blocked'] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];
export const AGENT_STATUSES = ['idle', 'running', 'retrying', 'done', 'dead', 'restarting'] as const;
export const GROUP_STATUSES = ['starting', 'running', 'finished', 'dead', 'hung', 'restarting', 'failed', 'stopped'] as const;
export type GroupStatus = (typeof GROUP_STATUSES)[number];
export const RUN_STATUSES = ['running', 'finished', 'interrupted'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

function buildSchemas(z: typeof Zod) {
  const num = z.number();
  const opt = <T extends Zod.ZodType>(t: T) => t.optional();

  const tokens = z.object({ input: num, output: num, cacheRead: num, cacheWrite: num, reasoning: num });
  /** An `agent:` task's AI CLI: its session and what it spent (whole task), kept small. */
  const agentRecord = z.object({
    cli: z.string(),
    session: opt(z.string()),
    version: opt(z.string()),
    state: z.enum(['working', 'needs-input', 'stalled', 'paused', 'done', 'failed']),
    turns: num,
    tokens,
    /** What attempts before the current one used (tokens = before + current attempt). */
    before: opt(tokens),
    /** Codex: the thread's total at the end of the last attempt (later totals include it). */
    thread: opt(tokens),
    costUsd: opt(num),
    question: opt(z.string()),
    /** Paused until (usage limit), ms since the epoch. */
    until: opt(num),
    limits: opt(num),
    stalls: opt(num),
    tool: opt(z.string()),
    actions: opt(z.array(z.string())),
    lastAt: opt(num),
  });

  const task = z.object({
    id: z.string(),
    status: z.enum(TASK_STATUSES),
    /** Hash of the definition and, transitively, of everything it needs (change detection). */
    hash: z.string(),
    /** Attempts started so far (kept when a lease expires). */
    attempts: num,
    agent: opt(z.string()),
    quad: opt(num),
    fence: opt(num),
    leaseUntil: opt(num),
    readyAt: opt(num),
    claimedAt: opt(num),
    startedAt: opt(num),
    finishedAt: opt(num),
    /** Retry backoff: not to be claimed before this time. */
    notBefore: opt(num),
    /** Process group of the running attempt, so whoever expires its lease can end an orphan. */
    pgid: opt(num),
    /** Start time of that group's leader (clock ticks since boot): the group is ours only while it matches. */
    pgidStart: opt(num),
    /** Times its worker died or hung under it (a task that keeps killing workers gets failed). */
    lost: opt(num),
    exitCode: opt(z.number().nullable()),
    signal: opt(z.string().nullable()),
    durationMs: opt(num),
    reason: opt(z.string()),
    tail: opt(z.array(z.string())),
    /** Worktree mode: the task's branch, its commit, and the merge commit in the integration branch. */
    branch: opt(z.string()),
    commit: opt(z.string()),
    merge: opt(z.string()),
    /** An `agent:` task's AI CLI record (the `agent` field above is the plan agent that claimed it). */
    ai: opt(agentRecord),
  });

  const agent = z.object({
    name: z.string(),
    quad: num,
    status: z.enum(AGENT_STATUSES),
    task: opt(z.string()),
    since: num,
    done: num,
  });

  const group = z.object({
    quad: num,
    status: z.enum(GROUP_STATUSES),
    pid: opt(num),
    startedAt: opt(num),
    heartbeatAt: opt(num),
    restarts: num,
    lastRestartAt: opt(num),
    /** When the keep-alive monitor restarts this dead group (backoff), so a new monitor keeps the schedule. */
    restartAt: opt(num),
  });

  const alert = z.object({
    at: num,
    level: z.enum(['info', 'warning', 'critical']),
    kind: z.string(),
    message: z.string(),
    quad: opt(num),
    task: opt(z.string()),
  });

  const meta = z.object({
    runId: z.string(),
    planName: z.string(),
    planFile: z.string(),
    planHash: z.string(),
    createdAt: num,
    startedAt: num,
    finishedAt: opt(num),
    status: z.enum(RUN_STATUSES),
    /** Last fencing token handed out: every claim gets a larger one. */
    fence: num,
    /** Claiming paused (dashboard `p`): running tasks finish, nothing new starts. */
    paused: z.boolean(),
    /** Durations learned from earlier runs, by task id, for priorities and ETA. */
    learned: z.record(z.string(), num),
    /** Agent CLIs paused by a usage limit, until when (ms since the epoch); survives a restart. */
    agentPauses: opt(z.record(z.string(), num)),
    /** Tokens every agent task of the run has used (the run budget). */
    agentTokens: opt(num),
  });

  const state = z.object({
    meta,
    tasks: z.record(z.string(), task),
    agents: z.record(z.string(), agent),
    groups: z.record(z.string(), group),
    alerts: z.array(alert),
  });

  /** One change to the state. A transaction is a list of them, journalled as one line. */
  const op = z.discriminatedUnion('op', [
    z.object({ op: z.literal('task'), v: task }),
    z.object({ op: z.literal('deltask'), id: z.string() }),
    z.object({ op: z.literal('agent'), v: agent }),
    z.object({ op: z.literal('delagent'), name: z.string() }),
    z.object({ op: z.literal('group'), v: group }),
    z.object({ op: z.literal('delgroup'), quad: num }),
    z.object({ op: z.literal('meta'), v: meta.partial() }),
    z.object({ op: z.literal('alert'), v: alert }),
    z.object({ op: z.literal('replace'), v: state }),
  ]);

  const snapshot = z.object({
    schema: z.number(),
    gen: z.number().int().min(0),
    seq: z.number().int().min(0),
    /** sha256 of the `state` text as written (snapshot.ts). */
    sum: z.string().optional(),
    state,
  });

  return { task, agent, group, alert, meta, state, op, snapshot };
}

type Schemas = ReturnType<typeof buildSchemas>;
export type TaskState = Zod.infer<Schemas['task']>;
export type AgentRecord = NonNullable<TaskState['ai']>;
export type AgentState = Zod.infer<Schemas['agent']>;
export type GroupState = Zod.infer<Schemas['group']>;
export type Alert = Zod.infer<Schemas['alert']>;
export type Meta = Zod.infer<Schemas['meta']>;
export type State = Zod.infer<Schemas['state']>;
export type Op = Zod.infer<Schemas['op']>;
export type Snapshot = Zod.infer<Schemas['snapshot']>;

let built: Schemas | undefined;

/** The state's zod schemas, zod loaded (synchronously, once) on the first call. */
export function stateSchemas(): Schemas {
  return (built ??= buildSchemas((createRequire(import.meta.url)('zod') as { z: typeof Zod }).z));
}
