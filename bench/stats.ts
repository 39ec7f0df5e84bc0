/**
 * The report's arithmetic, pure: percentiles, dispatch overhead from a run's events, ratios
 * against the lower bound and against make, overhead per task, medians over repeated pairs.
 */
import type { ClaimedEvent, RunEvent } from '../state/events.js';

/** Nearest-rank percentile (p in 0..100) of unsorted values; NaN when empty. */
export function percentile(values: readonly number[], p: number): number {
  if (!values.length) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * s.length);
  return s[Math.min(s.length, Math.max(1, rank)) - 1]!;
}

export function median(values: readonly number[]): number {
  if (!values.length) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/**
 * Dispatch overhead of every started attempt: its start time minus the later of "the task
 * became ready" and "the agent became free" (both carried by its `claimed` event). An agent
 * counts as free from when its group process announced itself (`group-started`), not from
 * when the state was created before the process existed: starting processes shows in the
 * makespan and the overhead per task instead.
 */
export function dispatchOverheads(events: readonly RunEvent[]): number[] {
  const claims = new Map<string, ClaimedEvent>();
  const groupUp = new Map<number, number>();
  const out: number[] = [];
  for (const e of events) {
    if (e.type === 'group-started' && e.quad !== undefined) groupUp.set(e.quad, e.ts);
    else if (e.type === 'claimed' && e.task) claims.set(`${e.task}#${e.fence}`, e);
    else if (e.type === 'started' && e.task) {
      const c = claims.get(`${e.task}#${e.fence}`);
      if (!c) continue;
      const from = Math.max(c.readyAt ?? c.ts, c.freeAt ?? c.ts, c.quad !== undefined ? (groupUp.get(c.quad) ?? 0) : 0);
      out.push(Math.max(0, e.ts - from));
    }
  }
  return out;
}

/** First claim to last finish, from the events (the orchestrator's own view of its makespan). */
export function innerMakespan(events: readonly RunEvent[]): number {
  let first = Infinity;
  let last = -Infinity;
  for (const e of events) {
    if (e.type === 'claimed') first = Math.min(first, e.ts);
    if (e.type === 'finished' || e.type === 'failed') last = Math.max(last, e.ts);
  }
  return Number.isFinite(first) && last >= first ? last - first : NaN;
}

/** (wall − ideal) / tasks, in ms. */
export function overheadPerTask(wallMs: number, idealMs: number, tasks: number): number {
  return tasks > 0 ? (wallMs - idealMs) / tasks : NaN;
}

/** a / b, NaN when b is not positive (a no-op workload's lower bound is 0). */
export function ratio(a: number, b: number): number {
  return b > 0 ? a / b : NaN;
}

/** One measured run of one tool. */
export interface Sample {
  tool: 'orchestrator' | 'make';
  /** Spawn of the command to its exit. */
  wallMs: number;
  /**
   * First task claimed to last task finished (the orchestrator's events; what its own summary
   * calls makespan). For make, its wall time: make starts its first job within milliseconds.
   */
  makespanMs: number;
  ok: boolean;
  /** Peak RSS of the whole process tree (tool + tasks), summed at one instant. */
  peakTreeRssMB: number;
  /** Peak RSS / PSS of the tool's own processes (orchestrator: its node processes; make: make). */
  peakOwnRssMB: number;
  peakOwnPssMB: number;
  /** CPU seconds of the tool's own processes, children excluded (orchestrator only). */
  cpuS?: number;
  /** The same per process kind: `run` (run/control, with the keep-alive of single-terminal mode), `q1`.. (worker groups), `keep-alive`. */
  cpuByKindS?: Record<string, number>;
  /** Processes killed before their exit hook ran, whose CPU was taken from the last /proc sample instead. */
  cpuUnreported?: number;
  dispatchMs?: number[];
  /** Bytes of .orchestrator/ at the end (snapshot + journal) and events appended. */
  stateBytes?: number;
  events?: number;
  error?: string;
}

export interface Summary {
  pairs: number;
  tasks: number;
  lowerBoundMs: number;
  /** Medians: the orchestrator's makespan and wall time, make's wall time. */
  orchMs: number;
  orchWallMs: number;
  makeMs: number;
  orchOverLb: number;
  makeOverLb: number;
  orchOverMake: number;
  orchOverheadMs: number;
  makeOverheadMs: number;
  dispatchP50: number;
  dispatchP99: number;
  peakTreeRssMB: number;
  peakOwnRssMB: number;
  peakOwnPssMB: number;
  cpuS: number;
  /** Median CPU ms per task of the orchestrator's processes, and per process kind. */
  cpuMsPerTask: number;
  cpuMsPerTaskByKind: Record<string, number>;
}

/** Median over the runs of each process kind's CPU, in ms per task (a kind a run lacks counts 0 there). */
function perKind(o: readonly Sample[], tasks: number): Record<string, number> {
  const kinds = [...new Set(o.flatMap((s) => Object.keys(s.cpuByKindS ?? {})))].sort();
  return Object.fromEntries(kinds.map((k) => [k, tasks > 0 ? (1000 * median(o.map((s) => s.cpuByKindS?.[k] ?? 0))) / tasks : NaN]));
}

/**
 * Medians over the pairs (robust to one disturbed run on a shared machine); the ratio to make
 * is the median of per-pair makespan ratios, each pair measured back to back. Overhead per
 * task uses wall time (process start-up included), makespan ratios the makespan. Dispatch percentiles pool
 * every orchestrator run; memory is the worst run.
 */
export function summarise(orch: readonly Sample[], make: readonly Sample[], tasks: number, lowerBoundMs: number): Summary {
  const o = orch.filter((s) => s.ok);
  const m = make.filter((s) => s.ok);
  const orchMs = median(o.map((s) => s.makespanMs));
  const orchWallMs = median(o.map((s) => s.wallMs));
  const makeMs = median(m.map((s) => s.makespanMs));
  const pairRatios = orch.flatMap((s, i) => (s.ok && make[i]?.ok ? [s.makespanMs / make[i]!.makespanMs] : []));
  const dispatch = o.flatMap((s) => s.dispatchMs ?? []);
  const max = (xs: number[]) => (xs.length ? Math.max(...xs) : NaN);
  return {
    pairs: Math.min(orch.length, make.length),
    tasks,
    lowerBoundMs,
    orchMs,
    orchWallMs,
    makeMs,
    orchOverLb: ratio(orchMs, lowerBoundMs),
    makeOverLb: ratio(makeMs, lowerBoundMs),
    orchOverMake: median(pairRatios),
    orchOverheadMs: overheadPerTask(orchWallMs, lowerBoundMs, tasks),
    makeOverheadMs: overheadPerTask(median(m.map((s) => s.wallMs)), lowerBoundMs, tasks),
    dispatchP50: percentile(dispatch, 50),
    dispatchP99: percentile(dispatch, 99),
    peakTreeRssMB: max(o.map((s) => s.peakTreeRssMB)),
    peakOwnRssMB: max(o.map((s) => s.peakOwnRssMB)),
    peakOwnPssMB: max(o.map((s) => s.peakOwnPssMB)),
    cpuS: median(o.map((s) => s.cpuS ?? NaN).filter((x) => !Number.isNaN(x))),
    cpuMsPerTask: tasks > 0 ? (1000 * median(o.map((s) => s.cpuS ?? NaN).filter((x) => !Number.isNaN(x)))) / tasks : NaN,
    cpuMsPerTaskByKind: perKind(o, tasks),
  };
}
