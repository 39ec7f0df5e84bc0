/** Applying ops to a state: the only way the state changes, in memory and on replay. */
import { MAX_ALERTS, type Op, type State } from './schema.js';

export function applyOp(s: State, op: Op): State {
  switch (op.op) {
    case 'task':
      s.tasks[op.v.id] = op.v;
      return s;
    case 'deltask':
      delete s.tasks[op.id];
      return s;
    case 'agent':
      s.agents[op.v.name] = op.v;
      return s;
    case 'delagent':
      delete s.agents[op.name];
      return s;
    case 'group':
      s.groups[String(op.v.quad)] = op.v;
      return s;
    case 'delgroup':
      delete s.groups[String(op.quad)];
      return s;
    case 'meta':
      Object.assign(s.meta, op.v);
      return s;
    case 'alert':
      s.alerts.push(op.v);
      if (s.alerts.length > MAX_ALERTS) s.alerts.splice(0, s.alerts.length - MAX_ALERTS);
      return s;
    case 'replace':
      return structuredClone(op.v);
  }
}

/** Applies ops in order; returns the (possibly replaced) state object. */
export function applyOps(s: State, ops: readonly Op[]): State {
  let cur = s;
  for (const op of ops) cur = applyOp(cur, op);
  return cur;
}

export function emptyState(now: number): State {
  return {
    meta: {
      runId: '',
      planName: '',
      planFile: '',
      planHash: '',
      createdAt: now,
      startedAt: now,
      status: 'running',
      fence: 0,
      paused: false,
      learned: {},
    },
    tasks: {},
    agents: {},
    groups: {},
    alerts: [],
  };
}
