/**
 * `node dist/bench/profile.js WORKLOAD [--top N] [--interval-us US] [--keep]`: runs one
 * workload as users do with every node process of it profiled, and prints per process kind
 * where its time goes, by engine activity and by function. For finding where a missed
 * target's time goes.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { CLI_BIN, PACKAGE_ROOT } from '../orchestrator/run-dir/paths.js';
import { writePlan } from './emit.js';
import { CPU_HOOK } from './measure.js';
import { buckets, type CpuProfile, type ProfileNode } from './profile-buckets.js';
import { SUITE } from './suite.js';

const PROF_HOOK = join(PACKAGE_ROOT, 'bench', 'prof-hook.cjs');

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

/**
 * Runs `bin/orchestrator run` on the workload as users do, every node process of it under the
 * inspector's profiler (bench/prof-hook.cjs) and the CPU hook, and prints per process kind its
 * CPU (user+sys, children excluded), its sampled time by engine activity, and its top functions.
 */
async function main(argv: string[]): Promise<void> {
  const name = argv.find((a, i) => !a.startsWith('--') && argv[i - 1] !== '--top' && argv[i - 1] !== '--interval-us');
  const topN = Number(argv[argv.indexOf('--top') + 1]) || 15;
  const intervalUs = Number(argv[argv.indexOf('--interval-us') + 1]) || 1000;
  const entry = name ? SUITE[name] : undefined;
  if (!entry) throw new Error(`usage: profile WORKLOAD [--top N] [--interval-us US] [--keep] (one of ${Object.keys(SUITE).join(', ')})`);
  const dir = mkdtempSync(join(tmpdir(), 'orch-profile-'));
  const w = entry.make();
  const plan = join(dir, 'plan.json');
  writePlan(w, plan);
  const profDir = join(dir, 'profiles');
  const cpuDir = join(dir, 'cpu');
  mkdirSync(profDir);
  mkdirSync(cpuDir);
  const env = {
    ...process.env,
    NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --require ${CPU_HOOK} --require ${PROF_HOOK}`.trim(),
    BENCH_CPU_DIR: cpuDir, BENCH_PROF_DIR: profDir, BENCH_PROF_US: String(intervalUs),
    PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ''}`,
  };
  const t0 = performance.now();
  const child = spawn(CLI_BIN, ['run', plan, '--run-dir', join(dir, 'run'), '--fresh'], { cwd: dir, env, stdio: ['ignore', 'ignore', 'inherit'] });
  const code = await new Promise((r) => child.once('exit', r));
  const tasks = w.tasks.length;
  console.log(`${name}: ${tasks} tasks, ${((performance.now() - t0) / 1000).toFixed(2)} s wall (exit ${code}), every process sampled every ${intervalUs} µs (the profiler's own cost is in the CPU figures)`);
  const cpu = new Map<number, { kind: string; ms: number; sysMs: number }>();
  for (const f of readdirSync(cpuDir)) {
    const r = JSON.parse(readFileSync(join(cpuDir, f), 'utf8')) as { pid: number; kind: string; userUs: number; systemUs: number };
    cpu.set(r.pid, { kind: r.kind, ms: (r.userUs + r.systemUs) / 1000, sysMs: r.systemUs / 1000 });
  }
  const perTask = (ms: number) => (ms / tasks).toFixed(2).padStart(7);
  for (const f of readdirSync(profDir).sort()) {
    const pid = Number(/-(\d+)\.cpuprofile$/.exec(f)?.[1]);
    const c = cpu.get(pid);
    const prof = JSON.parse(readFileSync(join(profDir, f), 'utf8')) as CpuProfile;
    const b = [...buckets(prof)].sort((x, y) => y[1] - x[1]);
    const busy = b.filter(([k]) => k !== '(idle)').reduce((s, [, ms]) => s + ms, 0);
    console.log(`\n== ${f}: CPU ${c ? `${perTask(c.ms)} ms/task (${perTask(c.sysMs)} system)` : 'not reported'}; main thread busy ${perTask(busy)} ms/task sampled`);
    console.log('-- by activity, ms/task of main-thread time (blocking syscalls included)');
    for (const [k, ms] of b) if (k !== '(idle)') console.log(`${perTask(ms)}  ${(100 * ms / busy).toFixed(0).padStart(3)}%  ${k}`);
    const r = topFunctions(prof, topN + 1);
    console.log('-- top self time, ms/task');
    for (const [k, ms] of r.self.filter(([k]) => !k.startsWith('(idle)')).slice(0, topN)) console.log(`${perTask(ms)}  ${k}`);
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
