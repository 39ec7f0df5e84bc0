/**
 * The workloads, generated from a seed so that every run measures the same graphs.
 * Ids are zero-padded so that plan order, Makefile order and sorted order agree.
 */
import { loadPlan } from '../orchestrator/run-dir/load-plan.js';
import { DEFAULT_PLAN } from '../orchestrator/run-dir/paths.js';
import { intBetween, mulberry32, type Rng } from './rng.js';
import { task, type BenchTask, type Workload } from './workload.js';

export const DEFAULT_SEED = 20240601;

const pad = (prefix: string, i: number, n: number) => `${prefix}${String(i).padStart(String(n - 1).length, '0')}`;

/** The default plan's graph (its `needs`), every task `sleep 0.2`. */
export function seed20(planFile = DEFAULT_PLAN): Workload {
  const plan = loadPlan(planFile);
  return {
    name: 'seed20',
    about: `${plan.name}'s graph (${plan.tasks.length} tasks), every task sleep 0.2`,
    tasks: plan.tasks.map((t) => task(t.id, 200, [...t.needs])),
  };
}

/**
 * A layered random DAG: `n` tasks in `layers` layers; every task past the first layer needs
 * 1..3 tasks of earlier layers (most often the layer just before), durations in [lo, hi] ms.
 */
export function layeredDag(name: string, n: number, layers: number, lo: number, hi: number, seed = DEFAULT_SEED): Workload {
  const rng = mulberry32(seed ^ n ^ (lo << 8) ^ (hi << 16));
  const perLayer = Math.ceil(n / layers);
  const tasks: BenchTask[] = [];
  for (let i = 0; i < n; i++) {
    const layer = Math.floor(i / perLayer);
    const needs = new Set<string>();
    if (layer > 0) {
      const k = intBetween(rng, 1, 3);
      for (let j = 0; j < k; j++) needs.add(tasks[pickEarlier(rng, layer, perLayer)]!.id);
    }
    tasks.push(task(pad('t', i, n), intBetween(rng, lo, hi), [...needs].sort()));
  }
  return { name, about: `seeded layered DAG, ${n} tasks in ${layers} layers, ${lo}-${hi} ms`, tasks };
}

/** A task index in an earlier layer: the previous layer 70% of the time, else any earlier one. */
function pickEarlier(rng: Rng, layer: number, perLayer: number): number {
  const from = rng() < 0.7 ? layer - 1 : intBetween(rng, 0, layer - 1);
  return from * perLayer + intBetween(rng, 0, perLayer - 1);
}

export function dag200(seed = DEFAULT_SEED): Workload {
  return layeredDag('dag200', 200, 10, 50, 500, seed);
}

export function dag1000s(seed = DEFAULT_SEED): Workload {
  return layeredDag('dag1000s', 1000, 20, 10, 100, seed);
}

/**
 * Short independent tasks listed first, a long chain listed last: plan order (what make
 * follows) is the worst order here; critical-path-first starts the chain at once.
 */
export function longpole200(seed = DEFAULT_SEED): Workload {
  const rng = mulberry32(seed ^ 0x10e9);
  const shorts = 180;
  const chain = 20;
  const tasks: BenchTask[] = [];
  for (let i = 0; i < shorts; i++) tasks.push(task(pad('s', i, shorts), intBetween(rng, 100, 300)));
  for (let i = 0; i < chain; i++) tasks.push(task(pad('c', i, chain), 200, i ? [pad('c', i - 1, chain)] : []));
  return { name: 'longpole200', about: `${shorts} independent 100-300 ms tasks listed first, then a chain of ${chain} x 200 ms`, tasks };
}

/** `n` independent no-op tasks (`true`). */
export function noopFlat(n: number): Workload {
  return { name: `noop${n}-flat`, about: `${n} independent tasks running true`, tasks: Array.from({ length: n }, (_, i) => task(pad('n', i, n), 0)) };
}

/** `n` no-op tasks as one chain. */
export function noopChain(n: number): Workload {
  return {
    name: `noop${n}-chain`,
    about: `${n} tasks running true, one chain`,
    tasks: Array.from({ length: n }, (_, i) => task(pad('n', i, n), 0, i ? [pad('n', i - 1, n)] : [])),
  };
}
