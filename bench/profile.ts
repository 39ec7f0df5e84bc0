/**
 * `node dist/bench/profile.js WORKLOAD [--top N] [--keep]`: runs one workload with every worker
 * group under `node --cpu-prof` (the run prepared in-process, the groups spawned as
 * `orchestrator worker` would be) and prints each process's top functions, self and
 * inclusive. For finding where a missed target's time goes.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { prepareRun } from '../orchestrator/run-dir/run-setup.js';
import { workerArgs } from '../orchestrator/supervisors/worker-process.js';
import { writePlan } from './emit.js';
import { SUITE } from './suite.js';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Self and inclusive milliseconds per function (name, file, line). */
export function topFunctions(p: CpuProfile, n: number): { totalMs: number; self: Array<[string, number]>; inclusive: Array<[string, number]> } {
  const byId = new Map(p.nodes.map((x) => [x.id, x]));
  const parent = new Map<number, number>();
  for (const x of p.nodes) for (const c of x.children ?? []) parent.set(c, x.id);
  const key = (x: ProfileNode) => `${x.callFrame.functionName || '(anonymous)'} ${x.callFrame.url.split('/').slice(-2).join('/')}:${x.callFrame.lineNumber + 1}`;
  const perNode = new Map<number, number>();
  p.samples.forEach((s, i) => perNode.set(s, (perNode.get(s) ?? 0) + (p.timeDeltas[i] ?? 0) / 1000));
  const self = new Map<string, number>();
  const incl = new Map<string, number>();
  let totalMs = 0;
  for (const [id, ms] of perNode) {
    totalMs += ms;
    const k = key(byId.get(id)!);
    self.set(k, (self.get(k) ?? 0) + ms);
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const ck = key(byId.get(cur)!);
      if (seen.has(ck)) continue;
      seen.add(ck);
      incl.set(ck, (incl.get(ck) ?? 0) + ms);
    }
  }
  const top = (m: Map<string, number>) => [...m].sort((a, b) => b[1] - a[1]).slice(0, n);
  return { totalMs, self: top(self), inclusive: top(incl) };
}

async function main(argv: string[]): Promise<void> {
  const name = argv.find((a) => !a.startsWith('--'));
  const topN = Number(argv[argv.indexOf('--top') + 1]) || 25;
  const entry = name ? SUITE[name] : undefined;
  if (!entry) throw new Error(`usage: profile WORKLOAD (one of ${Object.keys(SUITE).join(', ')})`);
  const dir = mkdtempSync(join(tmpdir(), 'orch-profile-'));
  const plan = join(dir, 'plan.json');
  writePlan(entry.make(), plan);
  const runDir = join(dir, 'run');
  const run = await prepareRun({ plan, runDir, fresh: true });
  await run.store.close();
  const profDir = join(dir, 'profiles');
  const t0 = performance.now();
  const workers = run.plan.quads.map((q) => spawn(process.execPath, ['--cpu-prof', '--cpu-prof-dir', profDir, ...workerArgs(runDir, q.id)], { stdio: ['ignore', 'ignore', 'inherit'] }));
  await Promise.all(workers.map((w) => new Promise((r) => w.once('exit', r))));
  console.log(`${name}: ${((performance.now() - t0) / 1000).toFixed(2)} s with ${workers.length} worker groups under --cpu-prof`);
  for (const f of readdirSync(profDir).sort()) {
    const r = topFunctions(JSON.parse(readFileSync(join(profDir, f), 'utf8')) as CpuProfile, topN);
    console.log(`\n== ${f}: ${r.totalMs.toFixed(0)} ms sampled\n-- self`);
    for (const [k, ms] of r.self) console.log(`${ms.toFixed(0).padStart(7)}  ${k}`);
    console.log('-- inclusive');
    for (const [k, ms] of r.inclusive) console.log(`${ms.toFixed(0).padStart(7)}  ${k}`);
  }
  if (argv.includes('--keep')) console.log(`\nkept ${dir}`);
  else rmSync(dir, { recursive: true, force: true });
}

if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  main(process.argv.slice(2)).catch((e) => {
    process.stderr.write(`profile: ${(e as Error).message}\n`);
    process.exitCode = 2;
  });
}
