/**
 * What a terminal shows while a run goes on and when it ends: one line per event (a live
 * progress bar at the bottom on a TTY), then the summary table and the makespan. Used by
 * `orchestrator run` and by the control process of `orchestrator ha`.
 */
import { formatDuration } from '../core/text/duration.js';
import type { RunPaths } from '../run-dir/paths.js';
import type { Plan } from '../core/plan/plan-types.js';
import { agentUsageLines, countsLine, exitCodeFor, integrationLines, makespan, pathText, taskTable } from '../core/text/report.js';
import { EventTail } from '../../state/event-tail.js';
import type { State } from '../../state/schema.js';
import type { FileStateStore } from '../../state/store.js';
import { formatEvent } from '../core/text/event-line.js';
import { ProgressLine } from '../core/text/progress-line.js';
import { colourEnabled, painter, troubleTone } from '../core/text/colour.js';
import { commandName } from '../run-dir/command-name.js';

export interface Progress {
  /** A line above the bar (monitor actions). */
  say(line: string): void;
  stop(): void;
}

export function followProgress(store: FileStateStore, paths: RunPaths, plan: Plan, out: NodeJS.WriteStream, fromEnd = true): Progress {
  const bar = out.isTTY ? new ProgressLine(out) : undefined;
  const paint = painter(colourEnabled({ isTTY: out.isTTY, env: process.env }));
  const write = (plain: string) => {
    const tone = troubleTone(plain);
    const line = tone ? paint(tone, plain) : plain;
    try {
      if (bar) bar.above(line);
      else out.write(line + '\n');
    } catch {
      // A closed terminal must not stop the run.
    }
  };
  const tail = new EventTail(paths.events, { fromEnd });
  const pump = () => {
    try {
      for (const e of tail.read()) {
        const line = formatEvent(e);
        if (line) write(line);
      }
      bar?.draw(store.read(), plan);
    } catch {
      // A state being recovered or a log being rotated: the next pump catches up.
    }
  };
  // A 100 ms timer, not a watch on the state: replaying every transaction as it lands cost
  // this process about 0.3 ms of CPU per task, and lines 100 ms late are still live.
  const timer = setInterval(pump, 100);
  return {
    say: write,
    stop() {
      clearInterval(timer);
      pump();
      bar?.clear();
    },
  };
}

/**
 * The end of a run in words: every task, makespan against the lower bound, keep-alive
 * activity, and what to do next; `resume` is the command that resumes this kind of run.
 */
export function summaryLines(s: State, plan: Plan, paths: RunPaths, resume = commandName('run')): string[] {
  const m = makespan(s, plan);
  const usage = agentUsageLines(s);
  const lines = [...taskTable(s, plan), '', ...(usage.length ? [...usage, ''] : [])];
  lines.push(`${countsLine(s)}; makespan ${formatDuration(m.makespanMs)} (lower bound ${formatDuration(m.lowerBoundMs)}, critical path ${pathText(m.criticalPath)})`);
  const restarts = Object.values(s.groups).reduce((n, g) => n + (g.restarts ?? 0), 0);
  const alerts = s.alerts.filter((a) => a.level !== 'info');
  if (restarts || alerts.length) lines.push(`keep-alive: ${restarts} group restart(s), ${alerts.length} alert(s) — see ${paths.keepAliveLog}`);
  lines.push(...integrationLines(s, plan));
  const code = exitCodeFor(s);
  if (code === 0) lines.push('all tasks done.');
  else if (code === 1) lines.push(`some tasks failed or are blocked: ${commandName('retry ID')}, then ${resume} to resume`);
  else lines.push(`run ${s.meta.status === 'interrupted' ? 'interrupted' : 'stopped before the end'}; ${resume} resumes it`);
  lines.push(`logs: ${paths.logsDir}`);
  return lines;
}

/** Prints the summary of the run and returns its exit code (0 / 1 / 130). */
export function printSummary(store: FileStateStore, plan: Plan, paths: RunPaths, say: (l: string) => void): number {
  const s = store.read();
  say('');
  for (const l of summaryLines(s, plan, paths)) say(l);
  return exitCodeFor(s);
}
