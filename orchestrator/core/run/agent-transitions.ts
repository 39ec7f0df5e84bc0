/**
 * State transitions of `agent:` tasks, pure over a Draft: progress of a running attempt, a usage
 * limit (task back to ready without using a retry, its CLI paused in the state), a stall (back
 * to ready, resumed from its session), the run budget. The claim side (paused CLIs, the run
 * budget) is in readyNow (transitions.ts).
 */
import type { AgentRecord, TaskState } from '../../../state/schema.js';
import type { RunContext } from '../graph/context.js';
import type { Draft } from './draft.js';
import { checkFinished, failForGood } from './transitions.js';
import { MAX_AUTO_RESUMES } from '../agents/spec.js';
import { canResume } from '../agents/command.js';
import { tokenTotal } from '../agents/events.js';

export interface AgentRef {
  task: string;
  agent: string;
  fence: number;
}

function current(d: Draft, r: AgentRef): TaskState | undefined {
  const t = d.task(r.task);
  return t?.status === 'running' && t.fence === r.fence ? t : undefined;
}

/** A running attempt's record (session, tokens, what it does); stale fences are ignored. */
export function agentProgress(d: Draft, r: AgentRef, rec: AgentRecord): boolean {
  const t = current(d, r);
  if (!t) return false;
  d.setTask({ ...t, ai: rec });
  return true;
}

function releaseAgent(d: Draft, r: AgentRef): void {
  const a = d.agent(r.agent);
  if (a?.task === r.task) d.setAgent({ ...a, status: 'idle', task: undefined, since: d.now });
}

function addRunTokens(d: Draft, t: TaskState, rec: AgentRecord): void {
  const added = tokenTotal(rec.tokens) - (t.ai ? tokenTotal(t.ai.before ?? t.ai.tokens) : 0);
  if (added > 0) d.setMeta({ agentTokens: (d.meta.agentTokens ?? 0) + added });
}

/** The end of an agent attempt that the ordinary finish() then records (done, failed, retried). */
export function agentAttemptEnded(d: Draft, r: AgentRef, rec: AgentRecord): void {
  const t = current(d, r);
  if (!t) return;
  addRunTokens(d, t, rec);
  d.setTask({ ...t, ai: rec });
  d.event({ type: 'agent-usage', task: r.task, agent: r.agent, cli: rec.cli, session: rec.session, tokens: tokenTotal(rec.tokens), ...(rec.costUsd !== undefined && { costUsd: rec.costUsd }) });
}

/**
 * A usage limit: the task goes back to ready (no retry used), keeping its session; the CLI is
 * paused until `until` (reset + margin) for every task; alerted once per pause.
 */
export function agentLimited(d: Draft, ctx: RunContext, r: AgentRef, rec: AgentRecord, until: number, message: string): void {
  const t = current(d, r);
  releaseAgent(d, r);
  if (!t) return;
  addRunTokens(d, t, rec);
  const limits = (rec.limits ?? 0) + 1;
  const pauses = d.meta.agentPauses ?? {};
  const known = (pauses[rec.cli] ?? 0) >= until;
  if (!known) d.setMeta({ agentPauses: { ...pauses, [rec.cli]: until } });
  d.event({ type: 'agent-limit', task: r.task, agent: r.agent, cli: rec.cli, session: rec.session, until, reason: message });
  if (limits > MAX_AUTO_RESUMES) {
    failForGood(d, ctx, { ...t, ai: { ...rec, state: 'failed', limits } }, `usage limit of ${rec.cli} hit ${limits} times: ${message}`);
    d.event({ type: 'failed', task: r.task, agent: r.agent, reason: 'usage limit' });
    checkFinished(d);
    return;
  }
  if (!known) d.alert({ level: 'warning', kind: 'agent-limit', message: `${rec.cli} hit its usage limit (${message}); paused until ${clock(until)}, ${r.task} ${canResume(rec.cli) ? 'resumes from its session' : 'starts again'} then`, task: r.task });
  d.setTask({
    ...t, status: 'ready', readyAt: d.now, notBefore: until, ai: { ...rec, state: 'paused', until, limits },
    leaseUntil: undefined, pgid: undefined, reason: `paused: ${rec.cli} usage limit until ${clock(until)}`,
  });
  d.event({ type: 'requeued', task: r.task, reason: 'usage limit' });
}

/** A stalled agent was stopped: alert, then resumed from its session (up to MAX_AUTO_RESUMES times). */
export function agentStalled(d: Draft, ctx: RunContext, r: AgentRef, rec: AgentRecord, reason: string): void {
  const t = current(d, r);
  releaseAgent(d, r);
  if (!t) return;
  addRunTokens(d, t, rec);
  const stalls = (rec.stalls ?? 0) + 1;
  d.event({ type: 'agent-stalled', task: r.task, agent: r.agent, cli: rec.cli, session: rec.session, reason });
  d.alert({ level: 'warning', kind: 'agent-stalled', message: `${r.task} (${rec.cli}) stalled: ${reason}; stopped${stalls > MAX_AUTO_RESUMES ? '' : canResume(rec.cli) ? ', resuming from its session' : ', starting again'}`, task: r.task });
  if (stalls > MAX_AUTO_RESUMES) {
    failForGood(d, ctx, { ...t, ai: { ...rec, state: 'failed', stalls } }, `stalled ${stalls} times: ${reason}`);
    d.event({ type: 'failed', task: r.task, agent: r.agent, reason: 'stalled' });
    checkFinished(d);
    return;
  }
  d.setTask({ ...t, status: 'ready', readyAt: d.now, ai: { ...rec, state: 'stalled', stalls }, leaseUntil: undefined, pgid: undefined, reason: `stalled: ${reason}` });
  d.event({ type: 'requeued', task: r.task, reason: 'stalled' });
}

/** An agent asks for a person (on_input: wait leaves it running): one alert naming task and question. */
export function agentNeedsInput(d: Draft, r: AgentRef, rec: AgentRecord, question: string): void {
  const t = current(d, r);
  if (t) d.setTask({ ...t, ai: rec });
  d.event({ type: 'agent-needs-input', task: r.task, agent: r.agent, cli: rec.cli, reason: question });
  d.alert({ level: 'warning', kind: 'agent-needs-input', message: `${r.task} (${rec.cli}) needs input: ${question}`, task: r.task });
}

function clock(ms: number): string {
  const t = new Date(ms);
  return `${String(t.getHours()).padStart(2, '0')}:${String(t.getMinutes()).padStart(2, '0')}:${String(t.getSeconds()).padStart(2, '0')}`;
}
