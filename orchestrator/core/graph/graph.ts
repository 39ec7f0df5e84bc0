/**
 * The task graph: pure functions over ids and `needs` edges. Nodes are array indices so
 * that 10 000-task plans analyse in milliseconds.
 */

export interface Graph {
  ids: string[];
  index: Map<string, number>;
  /** needs[i]: the nodes i waits for. */
  needs: number[][];
  /** dependents[i]: the nodes waiting for i. */
  dependents: number[][];
}

/** Builds the graph; unknown needs are ignored here (plan validation reports them). */
export function buildGraph(tasks: ReadonlyArray<{ id: string; needs: readonly string[] }>): Graph {
  const ids = tasks.map((t) => t.id);
  const index = new Map(ids.map((id, i) => [id, i]));
  const needs: number[][] = tasks.map(() => []);
  const dependents: number[][] = tasks.map(() => []);
  tasks.forEach((t, i) => {
    for (const n of new Set(t.needs)) {
      const j = index.get(n);
      if (j === undefined) continue;
      needs[i]!.push(j);
      dependents[j]!.push(i);
    }
  });
  return { ids, index, needs, dependents };
}

/** Kahn's algorithm; plan order breaks ties. Returns undefined when there is a cycle. */
export function topoOrder(g: Graph): number[] | undefined {
  const indeg = g.needs.map((n) => n.length);
  const queue: number[] = [];
  indeg.forEach((d, i) => d === 0 && queue.push(i));
  const order: number[] = [];
  for (let head = 0; head < queue.length; head++) {
    const i = queue[head]!;
    order.push(i);
    for (const d of g.dependents[i]!) if (--indeg[d] === 0) queue.push(d);
  }
  return order.length === g.ids.length ? order : undefined;
}

/**
 * Every distinct cycle reachable by DFS, each as ids closed on its first node
 * (e.g. T003 -> T005 -> T003). Iterative so deep chains cannot overflow the stack.
 */
export function findCycles(g: Graph, limit = 10): string[][] {
  const WHITE = 0, GREY = 1, BLACK = 2;
  const colour = new Uint8Array(g.ids.length);
  const cycles: string[][] = [];
  const seen = new Set<string>();
  for (let root = 0; root < g.ids.length && cycles.length < limit; root++) {
    if (colour[root] !== WHITE) continue;
    const stack: Array<[number, number]> = [[root, 0]];
    const path: number[] = [root];
    colour[root] = GREY;
    while (stack.length) {
      const top = stack[stack.length - 1]!;
      const [node, edge] = top;
      const next = g.needs[node]![edge];
      if (next === undefined) {
        colour[node] = BLACK;
        stack.pop();
        path.pop();
        continue;
      }
      top[1]++;
      if (colour[next] === GREY) {
        const cyc = path.slice(path.indexOf(next));
        // needs edges point backwards in time; print in execution order.
        const ids = cyc.map((i) => g.ids[i]!).reverse();
        const key = [...ids].sort().join('\0');
        if (!seen.has(key) && cycles.length < limit) {
          seen.add(key);
          cycles.push([...ids, ids[0]!]);
        }
      } else if (colour[next] === WHITE) {
        colour[next] = GREY;
        stack.push([next, 0]);
        path.push(next);
      }
    }
  }
  return cycles;
}

/**
 * Priority of each node: the longest duration-weighted path from its start to the end of
 * the graph (its own duration included). Higher runs first: this is critical-path scheduling.
 */
export function priorities(g: Graph, durations: ArrayLike<number>, order = topoOrder(g)): Float64Array {
  if (!order) throw new Error('priorities: the graph has a cycle');
  const prio = new Float64Array(g.ids.length);
  for (let k = order.length - 1; k >= 0; k--) {
    const i = order[k]!;
    let best = 0;
    for (const d of g.dependents[i]!) if (prio[d]! > best) best = prio[d]!;
    prio[i] = durations[i]! + best;
  }
  return prio;
}

export interface CriticalPath {
  length: number;
  path: string[];
}

export function criticalPath(g: Graph, durations: ArrayLike<number>, prio = priorities(g, durations)): CriticalPath {
  if (g.ids.length === 0) return { length: 0, path: [] };
  let cur = -1;
  for (let i = 0; i < g.ids.length; i++) if (g.needs[i]!.length === 0 && (cur < 0 || prio[i]! > prio[cur]!)) cur = i;
  const length = prio[cur]!;
  const path: string[] = [];
  while (cur >= 0) {
    path.push(g.ids[cur]!);
    let next = -1;
    for (const d of g.dependents[cur]!) if (next < 0 || prio[d]! > prio[next]!) next = d;
    cur = next;
  }
  return { length, path };
}

/** No schedule on `agents` agents can finish sooner than this. */
export function lowerBound(durations: ArrayLike<number>, critical: number, agents: number): number {
  let total = 0;
  for (let i = 0; i < durations.length; i++) total += durations[i]!;
  return Math.max(critical, total / Math.max(1, agents));
}

/** All nodes downstream of the given ones (excluding them unless reachable from another). */
export function downstream(g: Graph, from: Iterable<number>): Set<number> {
  const out = new Set<number>();
  const stack = [...from];
  while (stack.length) {
    const i = stack.pop()!;
    for (const d of g.dependents[i]!) if (!out.has(d)) {
      out.add(d);
      stack.push(d);
    }
  }
  return out;
}
