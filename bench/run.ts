/**
 * `npm run bench [-- --quick] [--only a,b] [--pairs N] [--no-make] [--keep] [--out FILE]`:
 * every workload run by the orchestrator and by GNU make -j12, in interleaved pairs, then a
 * table, the targets, and bench/results/<date>.json.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../orchestrator/run-dir/paths.js';
import { writeMakefile, writePlan } from './emit.js';
import { AGENTS, MAKE_MISSING, makeVersion, runMake, runOrchestrator } from './measure.js';
import { BusyLoops } from './load.js';
import { recoverySample, type RecoverySample } from './recovery.js';
import { percentile, median, summarise, type Sample, type Summary } from './stats.js';
import { selectWorkloads, SUITE } from './suite.js';
import { formatTable, formatTargets } from './table.js';
import { checkTargets } from './targets.js';
import { boundOf, type Bound, type Workload } from './workload.js';

export interface BenchArgs {
  quick: boolean;
  /** One pair of two small workloads, no recovery: a sanity check in well under a minute. */
  smoke: boolean;
  /** Busy loops beside both tools for each whole workload. */
  load: number;
  only?: string[];
  pairs: number;
  make: boolean;
  keep: boolean;
  out?: string;
  recovery: boolean;
  log: (line: string) => void;
}

export function parseArgs(argv: string[]): BenchArgs {
  const a: BenchArgs = { quick: false, smoke: false, load: 0, pairs: 3, make: true, keep: false, recovery: true, log: (l) => process.stdout.write(l + '\n') };
  for (let i = 0; i < argv.length; i++) {
    const f = argv[i]!;
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${f} needs a value`);
      return v;
    };
    if (f === '--quick') a.quick = true;
    else if (f === '--smoke') a.smoke = true;
    else if (f === '--load') a.load = Math.max(0, Number(value()) | 0);
    else if (f === '--only') a.only = value().split(',').filter(Boolean);
    else if (f === '--pairs') a.pairs = Math.max(1, Number(value()) | 0);
    else if (f === '--no-make') a.make = false;
    else if (f === '--keep') a.keep = true;
    else if (f === '--out') a.out = value();
    else if (f === '--no-recovery') a.recovery = false;
    else throw new Error(`unknown option ${f} (known: --quick --smoke --load N --only a,b --pairs N --no-make --no-recovery --keep --out FILE)`);
  }
  if (a.smoke) {
    a.only ??= ['seed20', 'noop100-flat'];
    a.pairs = argv.includes('--pairs') ? a.pairs : 1;
  }
  if (a.only) a.recovery = a.only.includes('recovery');
  return a;
}

export interface WorkloadResult {
  name: string;
  about: string;
  tasks: number;
  bound: Bound;
  orchestrator: Array<Omit<Sample, 'dispatchMs'> & { dispatchP50: number; dispatchP99: number }>;
  make: Sample[];
  summary: Summary;
}

/** Slower workloads get a generous timeout: a stuck run must not hang the benchmark. */
function timeoutFor(w: Workload, bound: Bound): number {
  return 60_000 + 20 * bound.lowerBoundMs + 30 * w.tasks.length;
}

export async function benchWorkload(w: Workload, root: string, a: Pick<BenchArgs, 'pairs' | 'make' | 'keep' | 'log'> & { load?: number }): Promise<WorkloadResult> {
  const dir = join(root, w.name);
  mkdirSync(dir, { recursive: true });
  const plan = join(dir, 'plan.json');
  const makefile = join(dir, 'Makefile');
  writePlan(w, plan);
  writeMakefile(w, makefile);
  const bound = boundOf(w.tasks, AGENTS);
  const timeout = timeoutFor(w, bound);
  const orch: Sample[] = [];
  const make: Sample[] = [];
  // The busy loops run for the whole workload, beside both tools alike.
  const load = new BusyLoops(a.load ?? 0).start();
  try {
  for (let i = 0; i < a.pairs; i++) {
    // Alternate which tool goes first so that drift in machine load hits both alike.
    const steps = [
      async () => orch.push(await runOrchestrator(plan, join(dir, `orch-${i}`), timeout)),
      async () => a.make && make.push(await runMake(makefile, join(dir, `make-${i}`), timeout)),
    ];
    for (const step of i % 2 ? steps.reverse() : steps) await step();
    const o = orch[orch.length - 1]!;
    const m = make[make.length - 1];
    a.log(`  ${w.name} pair ${i + 1}/${a.pairs}: orchestrator ${(o.wallMs / 1000).toFixed(2)} s${o.ok ? '' : ` FAILED (${o.error})`}${m ? `, make ${(m.wallMs / 1000).toFixed(2)} s${m.ok ? '' : ` FAILED (${m.error})`}` : ''}`);
    if (!a.keep) {
      rmSync(join(dir, `orch-${i}`), { recursive: true, force: true, maxRetries: 5 });
      rmSync(join(dir, `make-${i}`), { recursive: true, force: true, maxRetries: 5 });
    }
  }
  } finally {
    await load.stop();
  }
  return {
    name: w.name,
    about: w.about,
    tasks: w.tasks.length,
    bound,
    orchestrator: orch.map(({ dispatchMs, ...s }) => ({ ...s, dispatchP50: percentile(dispatchMs ?? [], 50), dispatchP99: percentile(dispatchMs ?? [], 99) })),
    make,
    summary: summarise(orch, make, w.tasks.length, bound.lowerBoundMs),
  };
}

export async function main(argv: string[]): Promise<number> {
  const a = parseArgs(argv);
  const makeVer = makeVersion();
  if (!makeVer && a.make) {
    process.stderr.write(MAKE_MISSING + '\n');
    return 2;
  }
  const names = selectWorkloads(a);
  const root = mkdtempSync(join(tmpdir(), 'orch-bench-'));
  const started = new Date();
  const load0 = loadavg();
  a.log(`benchmark ${a.smoke ? '(smoke) ' : a.quick ? '(quick) ' : ''}on ${cpus().length} cores, load ${load0.map((l) => l.toFixed(2)).join(' ')}${a.load ? `, ${a.load} busy loop(s) beside both tools (--load)` : ''}; ${a.make ? makeVer : 'make NOT run (--no-make)'}; ${a.pairs} pairs each; files in ${root}`);
  const results: WorkloadResult[] = [];
  const recovery: RecoverySample[] = [];
  try {
    for (const name of names) {
      const w = SUITE[name]!.make();
      a.log(`${name}: ${w.about}`);
      results.push(await benchWorkload(w, root, a));
    }
    if (a.recovery) {
      // bench/recovery.ts (the keep-alive's figure): single-terminal `run`, 6 long tasks on 12
      // agents, the group running the most of them SIGKILLed; until each runs again.
      const trials = a.quick ? 1 : 3;
      a.log(`recovery: ${trials} trial(s), SIGKILL of one worker group of \`orchestrator run\``);
      for (let i = 0; i < trials; i++) {
        const t = await recoverySample('run', 'spare');
        recovery.push(t);
        a.log(`  trial ${i + 1}: quad ${t.quad} killed, ${t.tasksMs.length} task(s) running again after ${t.tasksMs.map((ms) => (ms / 1000).toFixed(2)).join(', ')} s${t.error ? ` (${t.error})` : ''}`);
      }
    }
  } finally {
    if (!a.keep) rmSync(root, { recursive: true, force: true, maxRetries: 5 });
  }
  const summaries = Object.fromEntries(results.map((r) => [r.name, r.summary]));
  // Per trial the last interrupted task to run again; the median trial.
  const recoveryMs = recovery.some((t) => t.tasksMs.length) ? median(recovery.filter((t) => t.tasksMs.length).map((t) => Math.max(...t.tasksMs))) : undefined;
  const targets = checkTargets(summaries, recoveryMs, a.load);
  const load1 = loadavg();
  const lines = [
    '',
    ...(a.load ? [`with --load ${a.load}: ${a.load} busy loop(s) ran beside the orchestrator and make for every workload`] : []),
    ...formatTable(results.map((r) => [r.name, r.summary])),
    '',
    ...(recoveryMs !== undefined ? [`recovery (SIGKILL of one worker group -> all its tasks running again): median ${(recoveryMs / 1000).toFixed(2)} s over ${recovery.length} trial(s)`, ''] : []),
    'targets (reported, not asserted):',
    ...formatTargets(targets),
    '',
    `load average before ${load0.map((l) => l.toFixed(2)).join(' ')}, after ${load1.map((l) => l.toFixed(2)).join(' ')} (${cpus().length} cores): figures under load are noisy.`,
  ];
  for (const l of lines) a.log(l);
  const out = a.out ?? join(PACKAGE_ROOT, 'bench', 'results', `${started.toISOString().replace(/[:]/g, '-').replace(/\..*/, '')}${a.smoke ? '-smoke' : a.quick ? '-quick' : ''}${a.load ? `-load${a.load}` : ''}.json`);
  mkdirSync(join(out, '..'), { recursive: true });
  writeFileSync(out, JSON.stringify({ date: started.toISOString(), quick: a.quick, smoke: a.smoke, load: a.load, pairs: a.pairs, agents: AGENTS, machine: { cores: cpus().length, model: cpus()[0]?.model, node: process.version, make: makeVer ?? null, loadBefore: load0, loadAfter: load1 }, workloads: results, recovery, targets }, null, 1));
  a.log(`results: ${out}`);
  return results.every((r) => r.orchestrator.every((s) => s.ok) && r.make.every((s) => s.ok)) ? 0 : 1;
}

if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  main(process.argv.slice(2)).then(
    (code) => (process.exitCode = code),
    (e) => {
      process.stderr.write(`bench: ${(e as Error).message}\n`);
      process.exitCode = 2;
    },
  );
}
