/**
 * `orchestrator status` as text: the dashboard's essentials for scripts and non-TTY use —
 * progress, counts, ETA, per-quad done, agents with restarts, failed/blocked tasks, alerts.
 * Built from the same view model as the dashboard. Pure.
 */
import { pathText } from '../../../orchestrator/core/text/report.js';
import { table } from '../../../orchestrator/core/text/table.js';
import type { DashboardModel } from '../model/view-model.js';
import { agentCells, agentColumns, alertLine, bar, countsText, dur, etaText } from './view-text.js';
import { groupDigits } from '../../../orchestrator/core/agents/attempt.js';

export function statusText(m: DashboardModel, o: { width?: number; alerts?: number } = {}): string[] {
  const st = m.status;
  const p = m.progress;
  const out: string[] = [];
  out.push(`${st.planName}: ${st.runStatus}${st.paused ? ' (paused: claiming stopped)' : ''} — ${countsText(p, ', ')}`);
  out.push(`${bar(p.percent, 32)} ${p.done}/${p.total} done (${p.percent}%)`);
  out.push(`elapsed ${dur(st.elapsedMs)} · makespan ${dur(st.makespanMs)} vs lower bound ${dur(st.lowerBoundMs)} · ETA ${etaText(st)}`);
  if (st.criticalPath.length) out.push(`critical path: ${pathText(st.criticalPath)}`);
  out.push(`quads: ${m.quads.map((q) => `${q.id} ${q.name} ${q.done} done${q.running ? `, ${q.running} running` : ''} (${q.group}${q.restarts ? `, ${q.restarts} restarts` : ''})`).join(' · ')}`);
  if (m.agentUsage) out.push(`agents: ${groupDigits(m.agentUsage.tokens)} tokens${m.agentUsage.costUsd ? `, $${m.agentUsage.costUsd.toFixed(4)} estimated` : ''}${m.agentPauses.length ? ` · ${m.agentPauses.join(' · ')}` : ''}`);
  out.push('');
  // Plain text has no width limit worth cutting names for: size the columns to the content.
  const cols = agentColumns(o.width ?? 200, Math.max(...m.rows.map((r) => r.name.length), 5), 2, !!m.agentUsage);
  const taskCol = cols.find((c) => c.key === 'task')!;
  taskCol.width = Math.min(taskCol.width, 40);
  const rows = m.rows.map((r, i) => agentCells(r, cols, i === 0 || m.rows[i - 1]!.quad !== r.quad));
  out.push(...table(rows, cols.map((c) => (c.key === 'restarts' ? 'RESTARTS' : c.header))));
  if (m.failed.length) out.push('', `failed: ${m.failed.join(', ')} (orchestrator retry ID)`);
  if (m.blocked.length) {
    if (!m.failed.length) out.push('');
    out.push(`blocked: ${m.blocked.join(', ')}`);
  }
  const alerts = m.alerts.slice(-(o.alerts ?? 5));
  if (alerts.length) {
    out.push('', 'alerts:');
    for (const a of alerts) out.push(`  ${alertLine(a)}`);
  }
  return out;
}
