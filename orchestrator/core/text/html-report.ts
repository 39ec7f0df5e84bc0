/**
 * The HTML report of a run (`orchestrator report` -> logs/report.html): one self-contained page
 * (inline CSS, no scripts, no network) with the timeline per agent (critical path outlined),
 * every task's attempts, exit codes and log tail, retries, alerts, restarts, and the makespan
 * against the lower bound. Pure: state, plan, events and log tails in, text out.
 */
import type { Plan } from '../plan/plan-types.js';
import type { RunEvent } from '../../../state/events.js';
import type { State } from '../../../state/schema.js';
import { formatDuration } from './duration.js';
import { counts, makespan } from './report.js';

export interface Attempt {
  task: string;
  agent: string;
  attempt: number;
  start: number;
  end?: number;
  outcome: 'ok' | 'failed' | 'retried' | 'requeued' | 'running';
  exitCode?: number | null;
  reason?: string;
}

const END: Partial<Record<RunEvent['type'], Attempt['outcome']>> = { finished: 'ok', failed: 'failed', retried: 'retried', requeued: 'requeued', 'lease-expired': 'requeued' };

/** Attempts from the event log: a claim opens one, the next end event of its task closes it. */
export function attemptsOf(events: readonly RunEvent[]): Attempt[] {
  const open = new Map<string, Attempt>();
  const out: Attempt[] = [];
  for (const ev of events) {
    // Task events (claimed, results, requeues) carry these; run and group events do not.
    const e = ev as RunEvent & { task?: string; agent?: string; attempt?: number; exitCode?: number | null };
    if (e.type === 'run-started' && !e.reason?.startsWith('resumed')) {
      open.clear();
      out.length = 0; // an earlier run in the same log: only the latest run is reported
    }
    if (!e.task) continue;
    if (e.type === 'claimed' && e.agent) {
      const a: Attempt = { task: e.task, agent: e.agent, attempt: e.attempt ?? 1, start: e.ts, outcome: 'running' };
      open.set(e.task, a);
      out.push(a);
      continue;
    }
    const outcome = END[e.type];
    const a = open.get(e.task);
    if (outcome && a) {
      a.end = e.ts;
      a.outcome = outcome;
      a.exitCode = e.exitCode;
      a.reason = e.reason;
      open.delete(e.task);
    }
  }
  return out;
}

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&${({ '&': 'amp', '<': 'lt', '>': 'gt', '"': 'quot', "'": '#39' } as Record<string, string>)[c]};`);

const CSS = `body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222}h1{margin:0 0 4px}table{border-collapse:collapse;margin:8px 0 20px}
td,th{border:1px solid #ddd;padding:3px 8px;text-align:left;vertical-align:top}th{background:#f4f4f4}.ok{color:#1a7f37}.failed{color:#cf222e}.retried,.requeued{color:#9a6700}
.tl{position:relative;border-left:1px solid #999;margin:4px 0 20px}.lane{position:relative;height:22px;border-bottom:1px dotted #eee}
.lane span.name{position:absolute;left:-190px;width:180px;text-align:right;font-size:12px;white-space:nowrap;overflow:hidden}
.bar{position:absolute;top:3px;height:16px;border-radius:3px;font-size:11px;color:#fff;overflow:hidden;white-space:nowrap;padding:0 3px;box-sizing:border-box}
.bar.ok{background:#2da44e}.bar.failed{background:#cf222e}.bar.retried,.bar.requeued{background:#bf8700}.bar.running{background:#0969da}.bar.crit{outline:2px solid #000}
pre{background:#f6f8fa;padding:6px;max-height:220px;overflow:auto;margin:4px 0}.summary span{margin-right:18px}details{margin:2px 0}`;

export interface ReportInput {
  state: State;
  plan: Plan;
  events: readonly RunEvent[];
  /** The last lines of each task's log. */
  tails: Readonly<Record<string, string>>;
  generatedAt: number;
}

export function htmlReport(i: ReportInput): string {
  const { state: s, plan } = i;
  const attempts = attemptsOf(i.events);
  const m = makespan(s, plan);
  const crit = new Set(m.criticalPath);
  const c = counts(s);
  const t0 = Math.min(s.meta.startedAt, ...attempts.map((a) => a.start));
  const t1 = Math.max(t0 + 1, ...attempts.map((a) => a.end ?? i.generatedAt));
  const pct = (t: number) => ((100 * (t - t0)) / (t1 - t0)).toFixed(3);
  const agents = plan.agents.map((a) => a.name);
  const lanes = agents.map((name) => {
    const bars = attempts.filter((a) => a.agent === name).map((a) => {
      const end = a.end ?? i.generatedAt;
      const cls = `bar ${a.outcome}${crit.has(a.task) && a.outcome === 'ok' ? ' crit' : ''}`;
      const title = `${a.task} attempt ${a.attempt}: ${a.outcome}, ${formatDuration(end - a.start)}${a.reason ? ` (${a.reason})` : ''}`;
      return `<div class="${cls}" data-task="${esc(a.task)}" title="${esc(title)}" style="left:${pct(a.start)}%;width:max(2px,${(Number(pct(end)) - Number(pct(a.start))).toFixed(3)}%)">${esc(a.task)}</div>`;
    });
    return `<div class="lane"><span class="name">${esc(name)}</span>${bars.join('')}</div>`;
  });
  const rows = plan.tasks.map((t) => {
    const st = s.tasks[t.id];
    const mine = attempts.filter((a) => a.task === t.id);
    const tries = mine.map((a) => `<li class="${a.outcome}">#${a.attempt} ${esc(a.agent)}: ${a.outcome}${a.exitCode != null ? `, exit ${a.exitCode}` : ''}${a.end ? `, ${formatDuration(a.end - a.start)}` : ''}${a.reason ? ` — ${esc(a.reason)}` : ''}</li>`).join('');
    const tail = i.tails[t.id];
    return `<tr id="task-${esc(t.id)}" data-task="${esc(t.id)}"><td>${esc(t.id)}${crit.has(t.id) ? ' ★' : ''}</td><td>${esc(t.title)}</td><td class="${st?.status === 'done' ? 'ok' : st?.status === 'failed' || st?.status === 'blocked' ? 'failed' : ''}">${esc(st?.status ?? '-')}</td><td>${esc(st?.agent ?? '')}</td><td>${st?.attempts ?? 0}</td><td>${st?.exitCode ?? ''}</td><td>${st?.durationMs !== undefined ? formatDuration(st.durationMs) : ''}</td><td><ul style="margin:0;padding-left:16px">${tries}</ul>${tail ? `<details><summary>log tail</summary><pre>${esc(tail)}</pre></details>` : ''}</td></tr>`;
  });
  const groups = Object.values(s.groups).sort((a, b) => a.quad - b.quad).map((g) => `<tr><td>quad ${g.quad}</td><td>${esc(g.status)}</td><td>${g.restarts}</td></tr>`);
  const alerts = s.alerts.map((a) => `<tr><td>${new Date(a.at).toISOString()}</td><td>${esc(a.level)}</td><td>${esc(a.kind)}</td><td>${esc(a.message)}</td></tr>`);
  const retries = attempts.filter((a) => a.outcome === 'retried' || a.outcome === 'requeued').length;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(plan.name)} — run report</title><style>${CSS}</style></head>
<body>
<h1>${esc(plan.name)}</h1>
<p class="summary"><span>run ${esc(s.meta.runId.slice(0, 8))} · <b>${esc(s.meta.status)}</b></span><span>${c.done}/${Object.keys(s.tasks).length} done${c.failed ? `, <span class="failed">${c.failed} failed</span>` : ''}${c.blocked ? `, ${c.blocked} blocked` : ''}</span>
<span id="makespan">makespan ${formatDuration(m.makespanMs)} (lower bound ${formatDuration(m.lowerBoundMs)}${m.lowerBoundMs ? `, ${(m.makespanMs / m.lowerBoundMs).toFixed(2)}×` : ''})</span><span>${retries} retries/requeues · ${s.alerts.length} alerts · ${Object.values(s.groups).reduce((n, g) => n + g.restarts, 0)} restarts</span></p>
<p>critical path: ${m.criticalPath.map(esc).join(' → ') || '-'}</p>
<h2>Timeline per agent</h2>
<p style="font-size:12px">green ok · red failed · amber retried or requeued · blue running · outlined: on the critical path</p>
<div class="tl" style="margin-left:190px">${lanes.join('')}</div>
<h2>Tasks</h2>
<table><tr><th>task</th><th>title</th><th>status</th><th>agent</th><th>attempts</th><th>exit</th><th>time</th><th>attempts and log</th></tr>${rows.join('')}</table>
<h2>Worker groups</h2>
<table><tr><th>group</th><th>status</th><th>restarts</th></tr>${groups.join('')}</table>
<h2>Alerts</h2>
${alerts.length ? `<table><tr><th>time</th><th>level</th><th>kind</th><th>message</th></tr>${alerts.join('')}</table>` : '<p>none</p>'}
<p style="color:#888;font-size:12px">generated ${new Date(i.generatedAt).toISOString()} by orchestrator report</p>
</body></html>
`;
}
