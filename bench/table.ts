/** The benchmark's printed report: one row per workload, then the targets. Pure formatting. */
import type { Summary } from './stats.js';
import type { TargetCheck } from './targets.js';
import { table } from '../orchestrator/core/text/table.js';

const num = (v: number, digits = 2) => (Number.isFinite(v) ? v.toFixed(digits) : '-');
const sec = (ms: number) => (Number.isFinite(ms) ? (ms / 1000).toFixed(2) : '-');

/** The process kinds given a CPU column of their own; any other (keep-alive, control) goes to `other`. */
export const CPU_KINDS = ['run', 'q1', 'q2', 'q3'] as const;

/** CPU ms per task of each column kind, and of every other kind together. */
export function cpuColumns(byKind: Record<string, number>): number[] {
  const known = new Set<string>(CPU_KINDS);
  const other = Object.entries(byKind).filter(([k]) => !known.has(k));
  return [...CPU_KINDS.map((k) => byKind[k] ?? NaN), other.length ? other.reduce((s, [, v]) => s + v, 0) : NaN];
}

export function formatTable(rows: Array<[string, Summary]>): string[] {
  const header = ['workload', 'tasks', 'pairs', 'LB s', 'orch s', 'wall s', 'make s', 'orch/LB', 'make/LB', 'orch/make', 'ovh ms/task', 'make ovh', 'disp p50', 'disp p99', 'tree RSS MB', 'own RSS MB', 'own PSS MB', 'CPU s', 'CPU ms/task', ...CPU_KINDS, 'other'];
  const body = rows.map(([name, s]) => [
    name, String(s.tasks), String(s.pairs), sec(s.lowerBoundMs), sec(s.orchMs), sec(s.orchWallMs), sec(s.makeMs),
    num(s.orchOverLb), num(s.makeOverLb), num(s.orchOverMake), num(s.orchOverheadMs), num(s.makeOverheadMs),
    num(s.dispatchP50, 0), num(s.dispatchP99, 0), num(s.peakTreeRssMB, 0), num(s.peakOwnRssMB, 0), num(s.peakOwnPssMB, 0), num(s.cpuS, 1),
    num(s.cpuMsPerTask), ...cpuColumns(s.cpuMsPerTaskByKind ?? {}).map((v) => num(v)),
  ]);
  return table(body, header, header.map((_, i) => (i === 0 ? 'left' : 'right')));
}

export function formatTargets(checks: readonly TargetCheck[]): string[] {
  return checks.map((c) => {
    const mark = c.skipped ? 'skip' : c.met ? 'met ' : 'MISS';
    const value = c.skipped ? `(${c.skipped})` : `${num(c.value)} (limit ${c.limit})`;
    return `  [${mark}] ${c.target}: ${value}`;
  });
}
