/** Which workloads a benchmark run measures: everything, or the --quick subset. */
import { dag1000s, dag200, longpole200, noopChain, noopFlat, seed20 } from './generators.js';
import type { Workload } from './workload.js';

export interface SuiteEntry {
  make: () => Workload;
  /** Part of the --quick subset. */
  quick: boolean;
}

export const SUITE: Record<string, SuiteEntry> = {
  seed20: { make: () => seed20(), quick: true },
  dag200: { make: () => dag200(), quick: true },
  longpole200: { make: () => longpole200(), quick: true },
  dag1000s: { make: () => dag1000s(), quick: false },
  'noop1000-flat': { make: () => noopFlat(1000), quick: true },
  'noop1000-chain': { make: () => noopChain(1000), quick: true },
  'noop100-flat': { make: () => noopFlat(100), quick: true },
  'noop10000-flat': { make: () => noopFlat(10_000), quick: false },
};

export function selectWorkloads(o: { quick?: boolean; only?: string[] }): string[] {
  const names = Object.keys(SUITE);
  if (o.only?.length) {
    const unknown = o.only.filter((n) => n !== 'recovery' && !SUITE[n]);
    if (unknown.length) throw new Error(`unknown workload ${unknown.join(', ')}; known: ${[...names, 'recovery'].join(', ')}`);
    return o.only.filter((n) => n !== 'recovery');
  }
  return names.filter((n) => !o.quick || SUITE[n]!.quick);
}
