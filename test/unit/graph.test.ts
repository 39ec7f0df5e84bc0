/**
 * The task graph: hand-made graphs with known answers, then a seeded random 10 000-task plan that
 * goes through the whole path a run takes (parsePlan, then buildContext) and is checked against
 * the properties that define correct answers rather than against stored numbers.
 */
import { expect } from 'chai';
import { buildContext } from '../../orchestrator/core/graph/context.js';
import { buildGraph, criticalPath, downstream, findCycles, lowerBound, priorities, topoOrder, type Graph } from '../../orchestrator/core/graph/graph.js';
import { parsePlan } from '../../orchestrator/run-dir/load-plan.js';
// A seeded PRNG, so the random graph is the same on every run.
import { mulberry32 } from '../../bench/rng.js';

/** `{ b: ['a'] }`: b needs a. Tasks are listed in key order. */
function graph(spec: Record<string, string[]>): Graph {
  return buildGraph(Object.entries(spec).map(([id, needs]) => ({ id, needs })));
}
const ids = (g: Graph, nodes: Iterable<number>) => [...nodes].map((i) => g.ids[i]!);
const durs = (g: Graph, by: Record<string, number>) => Float64Array.from(g.ids, (id) => by[id] ?? 1);

describe('graph (hand-made)', () => {
  // a -> b -> d, a -> c -> d, e alone; listed out of order on purpose.
  const diamond = () => graph({ d: ['b', 'c'], b: ['a'], e: [], c: ['a'], a: [] });

  it('topological order respects every edge and breaks ties by plan order', () => {
    const g = diamond();
    expect(ids(g, topoOrder(g)!)).to.deep.equal(['e', 'a', 'b', 'c', 'd']);
    const flat = graph({ x: [], y: [], z: [] });
    expect(ids(flat, topoOrder(flat)!)).to.deep.equal(['x', 'y', 'z']);
  });

  it('duplicate and unknown needs do not make extra edges', () => {
    const g = graph({ a: [], b: ['a', 'a', 'nope'] });
    expect(g.needs).to.deep.equal([[], [0]]);
    expect(g.dependents).to.deep.equal([[1], []]);
  });

  it('finds cycles and prints them closed, in execution order', () => {
    const two = graph({ a: [], b: ['a', 'c'], c: ['b'] });
    expect(topoOrder(two)).to.equal(undefined);
    expect(findCycles(two)).to.deep.equal([['c', 'b', 'c']]);
    // x needs z, y needs x, z needs y: so y runs before z, z before x, x before y.
    expect(findCycles(graph({ x: ['z'], y: ['x'], z: ['y'] }))).to.deep.equal([['y', 'z', 'x', 'y']]);
    expect(findCycles(graph({ s: ['s'] }))).to.deep.equal([['s', 's']]);
    expect(findCycles(diamond())).to.deep.equal([]);
  });

  it('reports separate cycles separately, up to the limit', () => {
    const g = graph({ a: ['b'], b: ['a'], c: ['d'], d: ['c'], e: ['f'], f: ['e'] });
    expect(findCycles(g).map((c) => c.slice(0, -1).sort().join(''))).to.deep.equal(['ab', 'cd', 'ef']);
    expect(findCycles(g, 2)).to.have.length(2);
  });

  it('a 100 000-long chain: no stack overflow in cycle search or priorities', () => {
    const n = 100_000;
    const g = buildGraph(Array.from({ length: n }, (_, i) => ({ id: `t${i}`, needs: i ? [`t${i - 1}`] : [] })));
    expect(findCycles(g)).to.deep.equal([]);
    const cp = criticalPath(g, new Float64Array(n).fill(1));
    expect(cp.length).to.equal(n);
    expect(cp.path[0]).to.equal('t0');
    expect(cp.path[n - 1]).to.equal(`t${n - 1}`);
  });

  it('priority = own duration + the longest path after it; critical path follows it', () => {
    const g = diamond();
    const d = durs(g, { a: 2, b: 5, c: 1, d: 3, e: 4 });
    const prio = priorities(g, d);
    expect(Object.fromEntries(g.ids.map((id, i) => [id, prio[i]]))).to.deep.equal({ a: 10, b: 8, c: 4, d: 3, e: 4 });
    expect(criticalPath(g, d, prio)).to.deep.equal({ length: 10, path: ['a', 'b', 'd'] });
    // Learned durations change the answer: c becomes the long branch.
    expect(criticalPath(g, durs(g, { a: 2, b: 5, c: 9, d: 3, e: 4 }))).to.deep.equal({ length: 14, path: ['a', 'c', 'd'] });
    expect(criticalPath(graph({}), new Float64Array())).to.deep.equal({ length: 0, path: [] });
  });

  it('lower bound = max(critical path, total work / agents)', () => {
    const d = Float64Array.from([2, 5, 1, 3, 4]); // total 15
    expect(lowerBound(d, 10, 1)).to.equal(15);
    expect(lowerBound(d, 10, 2)).to.equal(10);
    expect(lowerBound(d, 10, 12)).to.equal(10);
    expect(lowerBound(d, 1, 3)).to.equal(5);
    expect(lowerBound(d, 1, 0)).to.equal(15); // no agents reads as one
  });

  it('downstream: everything after the given nodes, not the nodes themselves', () => {
    const g = diamond();
    const at = (id: string) => g.index.get(id)!;
    expect(ids(g, downstream(g, [at('a')])).sort()).to.deep.equal(['b', 'c', 'd']);
    expect(ids(g, downstream(g, [at('b')]))).to.deep.equal(['d']);
    expect(ids(g, downstream(g, [at('d'), at('e')]))).to.deep.equal([]);
    expect(ids(g, downstream(g, [at('a'), at('b')])).sort()).to.deep.equal(['b', 'c', 'd']); // b is reachable from a
  });
});

describe('graph (seeded random 10 000-task plan)', function () {
  this.timeout(120_000);
  const N = 10_000;

  /** Each task needs up to 4 tasks defined before it (so the graph is acyclic); listed shuffled. */
  function randomPlan(seed: number): { text: string; json: string; edges: number } {
    const rand = mulberry32(seed);
    const id = (i: number) => `T${String(i).padStart(5, '0')}`;
    let edges = 0;
    const tasks = Array.from({ length: N }, (_, i) => {
      const needs = new Set<string>();
      const k = i === 0 ? 0 : Math.floor(rand() * 5);
      for (let j = 0; j < k; j++) {
        // Mostly near neighbours (long chains), sometimes anywhere before (wide fan-in).
        const back = rand() < 0.7 ? 1 + Math.floor(rand() * Math.min(i, 20)) : 1 + Math.floor(rand() * i);
        needs.add(id(i - back));
      }
      edges += needs.size;
      return { id: id(i), run: 'true', estimate: `${1 + Math.floor(rand() * 1000)}ms`, needs: [...needs] };
    });
    for (let i = tasks.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [tasks[i], tasks[j]] = [tasks[j]!, tasks[i]!];
    }
    const lines = tasks.map((t) => `  - {id: ${t.id}, run: "true", estimate: ${t.estimate}, needs: [${t.needs.join(', ')}]}`);
    const text = `version: 1\nname: random-${seed}\ntasks:\n${lines.join('\n')}\n`;
    return { text, json: JSON.stringify({ version: 1, name: `random-${seed}`, tasks }), edges };
  }

  it('validates and analyses; orders, priorities, critical path and bound are all correct', () => {
    const { text, json, edges } = randomPlan(20240611);
    const t0 = performance.now();
    const plan = parsePlan(text, 'random.yaml');
    const t1 = performance.now();
    const ctx = buildContext(plan);
    const t2 = performance.now();
    const order = topoOrder(ctx.graph)!;
    const t3 = performance.now();
    const fromJson = parsePlan(json, 'random.json');
    const t4 = performance.now();
    buildContext(fromJson);
    const t5 = performance.now();
    const ms = (a: number, b: number) => `${(b - a).toFixed(0)} ms`;
    console.log(`      [timing] ${N} tasks, ${edges} edges: YAML parsePlan ${ms(t0, t1)} + buildContext ${ms(t1, t2)}; JSON parsePlan ${ms(t3, t4)} + buildContext ${ms(t4, t5)}`);
    // Generous bounds (a shared 2-core machine): they catch a quadratic step, not a slow day.
    // YAML costs ~0.65 s on an idle machine (the yaml parser itself) and 3 s was seen under load.
    expect(t3 - t0, 'YAML: parse + analyse').to.be.below(15_000);
    expect(t5 - t3, 'JSON: parse + analyse').to.be.below(5_000);
    expect({ ...fromJson, file: '' }).to.deep.equal({ ...plan, file: '' });

    const g = ctx.graph;
    expect(plan.tasks).to.have.length(N);
    expect(g.needs.reduce((s, n) => s + n.length, 0)).to.equal(edges);
    // Topological order: a permutation in which every task comes after everything it needs.
    expect(new Set(order).size).to.equal(N);
    const pos = new Int32Array(N);
    order.forEach((node, k) => (pos[node] = k));
    g.needs.forEach((needs, i) => needs.forEach((j) => expect(pos[j]! < pos[i]!).to.equal(true)));
    // Priorities: own estimate plus the largest priority among dependents, for every task.
    for (let i = 0; i < N; i++) {
      const after = Math.max(0, ...g.dependents[i]!.map((d) => ctx.prio[d]!));
      expect(ctx.prio[i]).to.equal(ctx.durations[i]! + after);
      expect(ctx.durations[i]).to.equal(plan.tasks[i]!.estimateMs);
    }
    // Critical path: a real path from a task with no needs to one with no dependents, whose
    // length is the sum of its estimates and equals the largest priority.
    const path = ctx.critical.path.map((id) => g.index.get(id)!);
    expect(g.needs[path[0]!]).to.deep.equal([]);
    expect(g.dependents[path[path.length - 1]!]).to.deep.equal([]);
    for (let k = 1; k < path.length; k++) expect(g.needs[path[k]!]).to.include(path[k - 1]!);
    const sum = path.reduce((s, i) => s + ctx.durations[i]!, 0);
    expect(ctx.critical.length).to.equal(sum);
    expect(ctx.critical.length).to.equal(Math.max(...ctx.prio));
    expect(path.length).to.be.above(50); // the near-neighbour edges make long chains
    // Lower bound, with the twelve default agents.
    const total = ctx.durations.reduce((s, d) => s + d, 0);
    expect(ctx.lowerBoundMs).to.equal(Math.max(sum, total / 12));
    // Downstream of a root: closed under dependents, and each member is reached through a need.
    const root = path[0]!;
    const down = downstream(g, [root]);
    for (const i of down) {
      for (const d of g.dependents[i]!) expect(down.has(d)).to.equal(true);
      expect(g.needs[i]!.some((j) => j === root || down.has(j))).to.equal(true);
    }
    expect(down.has(path[path.length - 1]!)).to.equal(true);
  });

  it('the same plan with one back edge is refused with the cycles named', () => {
    const { text, json } = randomPlan(7);
    // The critical path from the JSON form (the same plan, see above; a third of the YAML's
    // parse time); the cyclic plan itself goes through the YAML parser.
    const { path } = buildContext(parsePlan(json, 'random.json')).critical;
    const [first, last] = [path[0]!, path[path.length - 1]!];
    // The first task of the critical path now needs its last one: every cycle goes last -> first.
    const cyclic = text.replace(new RegExp(`\\{id: ${first}, (.*)needs: \\[\\]\\}`), `{id: ${first}, $1needs: [${last}]}`);
    expect(cyclic).to.not.equal(text);
    let problems: string[] = [];
    try {
      parsePlan(cyclic, 'random.yaml');
    } catch (e) {
      problems = (e as Error).message.split('\n');
    }
    expect(problems.length).to.be.within(1, 10);
    for (const p of problems) {
      expect(p).to.match(/dependency cycle: (\w+) -> .* -> \1$/);
      expect(p).to.contain(`${last} -> ${first}`);
    }
  });
});
