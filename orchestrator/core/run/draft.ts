/**
 * A copy-on-write view of the state for composing transitions inside one transaction: reads
 * see earlier writes, and every write is recorded as an op (what the store journals) while
 * the base state stays untouched.
 */
import type { NewEvent, RunEvent } from '../../../state/events.js';
import type { AgentState, Alert, GroupState, Meta, Op, State, TaskState } from '../../../state/schema.js';
import type { StateStore } from '../../../state/store.js';
import { TaskIndex } from '../../../state/task-index.js';

/**
 * One transition as one store transaction: a Draft over the state read under the lock (with the
 * store's task index), its changes committed, `fn`'s value returned. `now` is read when the
 * lock is held (a caller with its own clock passes it).
 */
export function transact<R>(store: Pick<StateStore, 'transaction'>, fn: (d: Draft) => R, now: () => number = Date.now): Promise<R> {
  return store.transaction((s, index) => {
    const d = new Draft(s, now(), index);
    return d.result(fn(d));
  });
}

export class Draft {
  readonly ops: Op[] = [];
  readonly events: RunEvent[] = [];
  private tasks = new Map<string, TaskState>();
  private agents = new Map<string, AgentState>();
  private groups = new Map<number, GroupState>();
  private metaPatch: Partial<Meta> = {};

  /** `index`, when given, must describe `base` (the store passes its own to transactions). */
  constructor(readonly base: Readonly<State>, readonly now: number, private index?: TaskIndex) {}

  task(id: string): TaskState | undefined {
    return this.tasks.get(id) ?? this.base.tasks[id];
  }

  /** Every task id, in the state's order. */
  taskIds(): string[] {
    return Object.keys(this.base.tasks);
  }

  /** Ids of ready tasks: from the index when there is one, else a scan. */
  readyIds(): string[] {
    return this.withStatus('ready', this.index?.ready);
  }

  /** Ids of running tasks: from the index when there is one, else a scan. */
  runningIds(): string[] {
    return this.withStatus('running', this.index?.running);
  }

  /** Is any task still pending, ready or running? */
  anyActive(): boolean {
    if (!this.index) return this.taskIds().some((id) => TaskIndex.isActive(this.task(id)!.status));
    let n = this.index.active;
    for (const [id, t] of this.tasks) if (this.base.tasks[id]) n += Number(TaskIndex.isActive(t.status)) - Number(TaskIndex.isActive(this.base.tasks[id]!.status));
    return n > 0;
  }

  private withStatus(status: TaskState['status'], indexed: ReadonlySet<string> | undefined): string[] {
    if (!indexed) return this.taskIds().filter((id) => this.task(id)!.status === status);
    const out: string[] = [];
    for (const id of indexed) if (!this.tasks.has(id)) out.push(id);
    for (const [id, t] of this.tasks) if (t.status === status && this.base.tasks[id]) out.push(id);
    return out;
  }

  setTask(t: TaskState): void {
    this.tasks.set(t.id, t);
    this.ops.push({ op: 'task', v: t });
  }

  agent(name: string): AgentState | undefined {
    return this.agents.get(name) ?? this.base.agents[name];
  }

  agentNames(): string[] {
    return Object.keys(this.base.agents);
  }

  setAgent(a: AgentState): void {
    this.agents.set(a.name, a);
    this.ops.push({ op: 'agent', v: a });
  }

  group(quad: number): GroupState | undefined {
    return this.groups.get(quad) ?? this.base.groups[String(quad)];
  }

  setGroup(g: GroupState): void {
    this.groups.set(g.quad, g);
    this.ops.push({ op: 'group', v: g });
  }

  get meta(): Meta {
    return { ...this.base.meta, ...this.metaPatch };
  }

  setMeta(patch: Partial<Meta>): void {
    Object.assign(this.metaPatch, patch);
    this.ops.push({ op: 'meta', v: patch });
  }

  alert(a: Omit<Alert, 'at'>): void {
    this.ops.push({ op: 'alert', v: { at: this.now, ...a } });
    this.event({ type: 'alert', reason: `${a.kind}: ${a.message}`, quad: a.quad, task: a.task });
  }

  event(e: NewEvent): void {
    this.events.push({ ts: this.now, ...e } as RunEvent);
  }

  /** The transaction result the store expects. */
  result<R>(value: R): { ops: Op[]; events: RunEvent[]; value: R } {
    return { ops: this.ops, events: this.events, value };
  }
}
