/**
 * The shape of a run's state (zod): validated whenever it is read from disk, trusted inside.
 * Bump STATE_SCHEMA when the shape changes incompatibly.
 */
import { z } from 'zod';

export const STATE_SCHEMA = 1;

export const TASK_STATUSES = ['pending', 'ready', 'running', 'done', 'failed', 'blocked'] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

const num = z.number();
const opt = <T extends z.ZodType>(t: T) => t.optional();

export const taskStateSchema = z.object({
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
  /** Times its worker died or hung under it (a task that keeps killing workers gets failed). */
  lost: opt(num),
  exitCode: opt(z.number().nullable()),
  signal: opt(z.string().nullable()),
  durationMs: opt(num),
  reason: opt(z.string()),
  tail: opt(z.array(z.string())),
});
export type TaskState = z.infer<typeof taskStateSchema>;

export const AGENT_STATUSES = ['idle', 'running', 'retrying', 'done', 'dead', 'restarting'] as const;
export type AgentStatus = (typeof AGENT_STATUSES)[number];

export const agentStateSchema = z.object({
  name: z.string(),
  quad: num,
  status: z.enum(AGENT_STATUSES),
  task: opt(z.string()),
  since: num,
  done: num,
});
export type AgentState = z.infer<typeof agentStateSchema>;

export const GROUP_STATUSES = ['starting', 'running', 'finished', 'dead', 'hung', 'restarting', 'failed', 'stopped'] as const;
export type GroupStatus = (typeof GROUP_STATUSES)[number];

export const groupStateSchema = z.object({
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
export type GroupState = z.infer<typeof groupStateSchema>;

export const alertSchema = z.object({
  at: num,
  level: z.enum(['info', 'warning', 'critical']),
  kind: z.string(),
  message: z.string(),
  quad: opt(num),
  task: opt(z.string()),
});
export type Alert = z.infer<typeof alertSchema>;

export const RUN_STATUSES = ['running', 'finished', 'interrupted'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

export const metaSchema = z.object({
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
});
export type Meta = z.infer<typeof metaSchema>;

export const stateSchema = z.object({
  meta: metaSchema,
  tasks: z.record(z.string(), taskStateSchema),
  agents: z.record(z.string(), agentStateSchema),
  groups: z.record(z.string(), groupStateSchema),
  alerts: z.array(alertSchema),
});
export type State = z.infer<typeof stateSchema>;

export const MAX_ALERTS = 200;

/** One change to the state. A transaction is a list of them, journalled as one line. */
export const opSchema = z.discriminatedUnion('op', [
  z.object({ op: z.literal('task'), v: taskStateSchema }),
  z.object({ op: z.literal('deltask'), id: z.string() }),
  z.object({ op: z.literal('agent'), v: agentStateSchema }),
  z.object({ op: z.literal('delagent'), name: z.string() }),
  z.object({ op: z.literal('group'), v: groupStateSchema }),
  z.object({ op: z.literal('delgroup'), quad: num }),
  z.object({ op: z.literal('meta'), v: metaSchema.partial() }),
  z.object({ op: z.literal('alert'), v: alertSchema }),
  z.object({ op: z.literal('replace'), v: stateSchema }),
]);
export type Op = z.infer<typeof opSchema>;

export const snapshotSchema = z.object({
  schema: z.number(),
  gen: z.number().int().min(0),
  seq: z.number().int().min(0),
  state: stateSchema,
});
export type Snapshot = z.infer<typeof snapshotSchema>;

