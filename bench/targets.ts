/** The targets, checked against a benchmark's summaries (reported, never asserted). */
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

export function checkTargets(sum: Summaries, recoveryMs?: number): TargetCheck[] {
  const out: TargetCheck[] = [
    at('seed20 makespan / lower bound <= 1.03', sum.seed20, (s) => s.orchOverLb, 1.03, 'seed20'),
    at('dag200 makespan / lower bound <= 1.05', sum.dag200, (s) => s.orchOverLb, 1.05, 'dag200'),
    at('dag200 orchestrator / make <= 0.98', sum.dag200, (s) => s.orchOverMake, 0.98, 'dag200'),
    at('longpole200 makespan / lower bound <= 1.10', sum.longpole200, (s) => s.orchOverLb, 1.1, 'longpole200'),
    at('longpole200 orchestrator / make <= 0.62', sum.longpole200, (s) => s.orchOverMake, 0.62, 'longpole200'),
    at('dag1000s makespan / lower bound <= 1.10', sum.dag1000s, (s) => s.orchOverLb, 1.1, 'dag1000s'),
    at('noop1000-flat overhead <= 1.5 ms/task', sum['noop1000-flat'], (s) => s.orchOverheadMs, 1.5, 'noop1000-flat'),
    at('noop1000-chain overhead <= 2.5 ms/task', sum['noop1000-chain'], (s) => s.orchOverheadMs, 2.5, 'noop1000-chain'),
  ];
  const small = sum['noop100-flat'];
  const big = sum['noop10000-flat'];
  out.push(
    small && big
      ? at('overhead growth 100 -> 10 000 tasks <= 1.5x', big, (b) => b.orchOverheadMs / small.orchOverheadMs, 1.5, '')
      : { target: 'overhead growth 100 -> 10 000 tasks <= 1.5x', value: NaN, limit: 1.5, met: false, skipped: 'noop100-flat and noop10000-flat not both run' },
  );
  const all = Object.entries(sum).filter((e): e is [string, Summary] => !!e[1]);
  const worst = (pick: (s: Summary) => number) => all.reduce<[string, number]>((w, [n, s]) => (pick(s) > w[1] ? [n, pick(s)] : w), ['', -Infinity]);
  const checkWorst = (label: string, pick: (s: Summary) => number, limit: number): TargetCheck => {
    const [name, value] = worst(pick);
    if (!all.length) return { target: label, value: NaN, limit, met: false, skipped: 'nothing run' };
    return { target: `${label} (worst: ${name})`, value, limit, met: value <= limit };
  };
  out.push(
    checkWorst('dispatch overhead p50 <= 4 ms', (s) => s.dispatchP50, 4),
    checkWorst('dispatch overhead p99 <= 20 ms', (s) => s.dispatchP99, 20),
    checkWorst('peak RSS of the orchestrator\'s processes <= 250 MB', (s) => s.peakOwnRssMB, 250),
    checkWorst('peak PSS of the orchestrator\'s processes <= 150 MB', (s) => s.peakOwnPssMB, 150),
  );
  out.push(
    recoveryMs === undefined
      ? { target: 'recovery <= 5 s', value: NaN, limit: 5000, met: false, skipped: 'recovery not run' }
      : { target: 'recovery <= 5 s (ms)', value: recoveryMs, limit: 5000, met: recoveryMs <= 5000 },
  );
  return out;
}
