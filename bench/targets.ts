/** The issues' targets, checked against a benchmark's summaries (reported, never asserted). */
import type { Summary } from './stats.js';

export interface TargetCheck {
  target: string;
  value: number;
  limit: number;
  met: boolean;
  /** Why it could not be checked (workload not run). */
  skipped?: string;
}

type Summaries = Record<string, Summary | undefined>;

function at(target: string, s: Summary | undefined, pick: (s: Summary) => number, limit: number, what: string): TargetCheck {
  if (!s) return { target, value: NaN, limit, met: false, skipped: `${what} not run` };
  const value = pick(s);
  return { target, value, limit, met: Number.isFinite(value) && value <= limit };
}

/** The largest value of `pick` over the named workloads that were run. */
function worstOf(target: string, sum: Summaries, names: string[], pick: (s: Summary) => number, limit: number): TargetCheck {
  const run = names.filter((n) => sum[n]);
  if (!run.length) return { target, value: NaN, limit, met: false, skipped: `${names.join(', ')} not run` };
  const [name, value] = run.map((n): [string, number] => [n, pick(sum[n]!)]).reduce((w, x) => (x[1] > w[1] ? x : w));
  return { target: `${target} (worst: ${name})`, value, limit, met: Number.isFinite(value) && value <= limit };
}

/**
 * Issue 15's targets (and the earlier ones it keeps as "no regression"). `load` is the number
 * of busy loops the figures were taken beside: the ratios to make and to the lower bound of
 * dag1000s and seed20 are stated for `--load 2`.
 */
export function checkTargets(sum: Summaries, recoveryMs?: number, load = 0): TargetCheck[] {
  const loaded = load ? ` (--load ${load})` : ' (target stated for --load 2)';
  const out: TargetCheck[] = [
    at('noop1000-flat orchestrator CPU <= 1.5 ms/task', sum['noop1000-flat'], (s) => s.cpuMsPerTask, 1.5, 'noop1000-flat'),
    at('noop1000-chain orchestrator CPU <= 1.5 ms/task', sum['noop1000-chain'], (s) => s.cpuMsPerTask, 1.5, 'noop1000-chain'),
    at('noop10000-flat orchestrator CPU <= 1.5 ms/task', sum['noop10000-flat'], (s) => s.cpuMsPerTask, 1.5, 'noop10000-flat'),
    at('noop1000-flat overhead <= 2.0 ms/task', sum['noop1000-flat'], (s) => s.orchOverheadMs, 2.0, 'noop1000-flat'),
    at('noop1000-chain overhead <= 3.0 ms/task', sum['noop1000-chain'], (s) => s.orchOverheadMs, 3.0, 'noop1000-chain'),
    at(`dag1000s orchestrator / make <= 1.15${loaded}`, sum.dag1000s, (s) => s.orchOverMake, 1.15, 'dag1000s'),
    at(`seed20 makespan / lower bound <= 1.05${loaded}`, sum.seed20, (s) => s.orchOverLb, 1.05, 'seed20'),
    at('dag200 makespan / lower bound <= 1.05', sum.dag200, (s) => s.orchOverLb, 1.05, 'dag200'),
    at('longpole200 makespan / lower bound <= 1.05', sum.longpole200, (s) => s.orchOverLb, 1.05, 'longpole200'),
    at('longpole200 orchestrator / make <= 0.62', sum.longpole200, (s) => s.orchOverMake, 0.62, 'longpole200'),
    worstOf('peak PSS of the orchestrator\'s processes at 1 000 tasks <= 100 MB', sum, ['noop1000-flat', 'noop1000-chain', 'dag1000s'], (s) => s.peakOwnPssMB, 100),
    at('peak PSS of the orchestrator\'s processes at 10 000 tasks <= 120 MB', sum['noop10000-flat'], (s) => s.peakOwnPssMB, 120, 'noop10000-flat'),
  ];
  const all = Object.entries(sum).filter((e): e is [string, Summary] => !!e[1]);
  const names = all.map(([n]) => n);
  out.push(
    worstOf('dispatch overhead p50 <= 3 ms', sum, names, (s) => s.dispatchP50, 3),
    worstOf('dispatch overhead p99 <= 15 ms', sum, names, (s) => s.dispatchP99, 15),
  );
  out.push(
    recoveryMs === undefined
      ? { target: 'recovery <= 5 s', value: NaN, limit: 5000, met: false, skipped: 'recovery not run' }
      : { target: 'recovery <= 5 s (ms)', value: recoveryMs, limit: 5000, met: recoveryMs <= 5000 },
  );
  return out;
}
