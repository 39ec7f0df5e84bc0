/**
 * The benchmark harness: seeded generators, the lower bound, the report's arithmetic, and a
 * 10-task smoke workload through the whole harness (the built orchestrator and GNU make).
 * The full benchmark (`npm run bench`) is not part of the test run.
 */
import { expect } from 'chai';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadPlan } from '../../orchestrator/run-dir/load-plan.js';
import { parsePlan } from '../../orchestrator/run-dir/load-plan.js';
import { makefileText, planText } from '../../bench/emit.js';
import { dag1000s, dag200, longpole200, noopChain, noopFlat, seed20 } from '../../bench/generators.js';
import { hookCpu, makeVersion } from '../../bench/measure.js';
import { cpuColumns } from '../../bench/table.js';
import { BusyLoops } from '../../bench/load.js';
import { kindOf } from '../../bench/proc-sampler.js';
import { benchWorkload, parseArgs } from '../../bench/run.js';
import { dispatchOverheads, innerMakespan, median, overheadPerTask, percentile, ratio, summarise, type Sample } from '../../bench/stats.js';
import { checkTargets } from '../../bench/targets.js';
import { boundOf, commandFor, task, type Workload } from '../../bench/workload.js';
import type { RunEvent } from '../../state/events.js';
import { descendants, parseStat, type Proc } from '../../workers/os/process-tree.js';
import { removeDir, tempDir } from '../helpers/cli.js';

describe('bench: generators (seeded)', () => {
  it('gives identical graphs run to run, and different ones for another seed', () => {
    expect(dag200()).to.deep.equal(dag200());
    expect(dag1000s()).to.deep.equal(dag1000s());
    expect(longpole200()).to.deep.equal(longpole200());
    expect(dag200(7).tasks).to.not.deep.equal(dag200(8).tasks);
  });

  it('shapes each workload as described', () => {
    const d = dag200();
    expect(d.tasks).to.have.length(200);
    expect(d.tasks.every((t) => t.ms >= 50 && t.ms <= 500)).to.equal(true);
    const ids = new Map(d.tasks.map((t, i) => [t.id, i]));
    expect(d.tasks.every((t, i) => t.needs.every((n) => ids.get(n)! < i)), 'needs point to earlier tasks').to.equal(true);
    expect(d.tasks.slice(20).every((t) => t.needs.length >= 1)).to.equal(true);
    expect(dag1000s().tasks.every((t) => t.ms >= 10 && t.ms <= 100)).to.equal(true);

    const lp = longpole200();
    expect(lp.tasks).to.have.length(200);
    expect(lp.tasks.slice(0, 180).every((t) => t.needs.length === 0), 'short independent tasks first').to.equal(true);
    expect(lp.tasks.slice(181).every((t, i) => t.needs[0] === lp.tasks[180 + i]!.id), 'then one chain').to.equal(true);

    expect(noopFlat(3).tasks.map((t) => [t.run, t.needs.length])).to.deep.equal([['true', 0], ['true', 0], ['true', 0]]);
    expect(noopChain(3).tasks.map((t) => t.needs)).to.deep.equal([[], ['n0'], ['n1']]);
  });

  it('takes seed20 from the default plan: same ids and needs, every task sleep 0.2', () => {
    const plan = loadPlan();
    const w = seed20();
    expect(w.tasks.map((t) => [t.id, t.needs])).to.deep.equal(plan.tasks.map((t) => [t.id, t.needs]));
    expect(new Set(w.tasks.map((t) => t.run))).to.deep.equal(new Set(['sleep 0.2']));
  });

  it('writes the same graph as a plan and as a Makefile', () => {
    const w: Workload = { name: 'x', about: '', tasks: [task('a', 100), task('b', 0, ['a']), task('c', 1500, ['a', 'b'])] };
    const plan = parsePlan(planText(w), 'mem.json');
    expect(plan.tasks.map((t) => [t.id, t.needs, t.run, t.estimateMs])).to.deep.equal([['a', [], 'sleep 0.1', 100], ['b', ['a'], 'true', 1], ['c', ['a', 'b'], 'sleep 1.5', 1500]]);
    const mk = makefileText(w);
    expect(mk).to.include('all: a b c\n');
    expect(mk).to.include('b: a\n\t@true\n');
    expect(mk).to.include('c: a b\n\t@sleep 1.5\n');
    expect(commandFor(250)).to.equal('sleep 0.25');
  });
});

describe('bench: lower bound and arithmetic (pure)', () => {
  //   a(100) -> b(200) -> d(50)
  //   a      -> c(300) -> d
  const diamond = [task('a', 100), task('b', 200, ['a']), task('c', 300, ['a']), task('d', 50, ['b', 'c'])];

  it('lower bound = max(critical path, total work / agents)', () => {
    expect(boundOf(diamond, 12)).to.deep.equal({ criticalMs: 450, totalMs: 650, lowerBoundMs: 450 });
    expect(boundOf(diamond, 1).lowerBoundMs).to.equal(650);
    expect(boundOf([task('x', 100), task('y', 100), task('z', 100)], 2).lowerBoundMs).to.equal(150);
  });

  it('percentiles (nearest rank), medians, ratios, overhead per task', () => {
    const xs = [5, 1, 4, 2, 3, 10, 9, 8, 7, 6];
    expect(percentile(xs, 50)).to.equal(5);
    expect(percentile(xs, 99)).to.equal(10);
    expect(percentile(xs, 10)).to.equal(1);
    expect(percentile([], 50)).to.be.NaN;
    expect(median([3, 1, 2])).to.equal(2);
    expect(median([4, 1, 2, 3])).to.equal(2.5);
    expect(ratio(3, 2)).to.equal(1.5);
    expect(ratio(3, 0)).to.be.NaN;
    expect(overheadPerTask(2500, 500, 1000)).to.equal(2);
  });

  it('dispatch overhead = start − max(ready, agent free, its group up)', () => {
    const ev: RunEvent[] = [
      { ts: 1000, type: 'group-started', quad: 1 },
      { ts: 1000, type: 'claimed', task: 'a', fence: 1, quad: 1, readyAt: 900, freeAt: 800 },
      { ts: 1004, type: 'started', task: 'a', fence: 1 },
      { ts: 1500, type: 'claimed', task: 'b', fence: 2, quad: 1, readyAt: 1490, freeAt: 1200 },
      { ts: 1503, type: 'started', task: 'b', fence: 2 },
      { ts: 1600, type: 'claimed', task: 'c', fence: 3, quad: 1, readyAt: 1300, freeAt: 1590 },
      { ts: 1620, type: 'started', task: 'c', fence: 3 },
      { ts: 1700, type: 'started', task: 'c', fence: 9 }, // no matching claim: ignored
      { ts: 1800, type: 'finished', task: 'c', fence: 3 },
    ];
    expect(dispatchOverheads(ev)).to.deep.equal([4, 13, 30]);
    expect(innerMakespan(ev)).to.equal(800);
  });

  it('summarises pairs: medians, per-pair ratio to make, overhead from wall time', () => {
    const o = (makespanMs: number, wallMs: number, d: number[]): Sample => ({ tool: 'orchestrator', wallMs, makespanMs, ok: true, peakTreeRssMB: 200, peakOwnRssMB: 180, peakOwnPssMB: 120, cpuS: 1, dispatchMs: d });
    const m = (ms: number): Sample => ({ tool: 'make', wallMs: ms, makespanMs: ms, ok: true, peakTreeRssMB: 5, peakOwnRssMB: 3, peakOwnPssMB: 2 });
    const s = summarise([o(1100, 1500, [1, 2]), o(1000, 1400, [3]), o(1200, 1600, [4, 100])], [m(1000), m(2000), m(1200)], 100, 1000);
    expect(s.orchMs).to.equal(1100);
    expect(s.orchWallMs).to.equal(1500);
    expect(s.makeMs).to.equal(1200);
    expect(s.orchOverLb).to.be.closeTo(1.1, 1e-9);
    expect(s.makeOverLb).to.be.closeTo(1.2, 1e-9);
    expect(s.orchOverMake).to.be.closeTo(1.0, 1e-9); // pairs: 1.1, 0.5, 1.0
    expect(s.orchOverheadMs).to.equal(5); // (1500 − 1000) / 100
    expect(s.makeOverheadMs).to.equal(2);
    expect(s.dispatchP50).to.equal(3);
    expect(s.dispatchP99).to.equal(100);
    expect(s.pairs).to.equal(3);
  });

  it('checks targets and marks what was not run', () => {
    const base = summarise([], [], 1, 1);
    const checks = checkTargets({ seed20: { ...base, orchOverLb: 1.02, dispatchP50: 3, dispatchP99: 30, peakOwnRssMB: 100, peakOwnPssMB: 90 } }, 4000);
    const by = (prefix: string) => checks.find((c) => c.target.startsWith(prefix))!;
    expect(by('seed20')).to.include({ met: true, value: 1.02 });
    expect(by('dag200 makespan').skipped).to.match(/not run/);
    expect(by('dispatch overhead p99')).to.include({ met: false, value: 30 });
    expect(by('recovery')).to.include({ met: true });
    const cpu = checkTargets({ 'noop1000-flat': { ...base, cpuMsPerTask: 1.2, peakOwnPssMB: 130 } });
    const byC = (prefix: string) => cpu.find((c) => c.target.startsWith(prefix))!;
    expect(byC('noop1000-flat orchestrator CPU')).to.include({ met: true, value: 1.2 });
    expect(byC('noop10000-flat orchestrator CPU').skipped).to.match(/not run/);
    expect(byC('peak PSS of the orchestrator\'s processes at 1 000')).to.include({ met: false, value: 130 });
    expect(checkTargets({}, undefined, 2).some((c) => c.target.includes('(--load 2)'))).to.equal(true);
  });

  it('runs busy loops beside a workload and ends them by pid', async () => {
    const loops = new BusyLoops(2).start();
    const pids = loops.pids;
    expect(pids).to.have.length(2);
    expect(pids.every((p) => existsSync(`/proc/${p}`))).to.equal(true);
    await loops.stop();
    const gone = (p: number) => !existsSync(`/proc/${p}`) || /\) Z /.test(readFileSync(`/proc/${p}/stat`, 'utf8'));
    expect(pids.every(gone)).to.equal(true);
  });

  it('reads /proc stat lines whose command name has spaces and parentheses, and walks a process tree', () => {
    const p = parseStat('1234 (tmux: server (x)) S 99 1234 1234 0 -1 4194560 1 0 0 0 5 6 0 0 20 0 1 0 100 4096 321 18446744073709551615', 4096);
    expect(p).to.include({ pid: 1234, comm: 'tmux: server (x)', ppid: 99, rssBytes: 321 * 4096 });
    const proc = (pid: number, ppid: number, comm: string): Proc => ({ pid, ppid, pgid: pid, comm, state: 'S', zombie: false, start: 0, rssBytes: 4096, ticks: 0 });
    const procs = [proc(1, 0, 'init'), proc(10, 1, 'node'), proc(11, 10, 'node'), proc(12, 11, 'sh'), proc(13, 1, 'other')];
    const table = new Map(procs.map((x) => [x.pid, x]));
    expect(descendants([10], table).map((x) => x.pid)).to.deep.equal([10, 11, 12]);
    expect(descendants([99], table)).to.deep.equal([]);
  });

  it('splits CPU per process kind: run, each group, the rest together', () => {
    const o = (byKind: Record<string, number>): Sample => ({ tool: 'orchestrator', wallMs: 1, makespanMs: 1, ok: true, peakTreeRssMB: 1, peakOwnRssMB: 1, peakOwnPssMB: 1, cpuS: Object.values(byKind).reduce((a, b) => a + b, 0), cpuByKindS: byKind });
    const s = summarise([o({ run: 0.2, q1: 0.4, q2: 0.3, q3: 0.3 }), o({ run: 0.4, q1: 0.6, q2: 0.5, q3: 0.5, 'keep-alive': 0.1 }), o({ run: 0.3, q1: 0.5, q2: 0.4, q3: 0.4 })], [], 100, 0);
    expect(s.cpuMsPerTask).to.be.closeTo(16, 1e-9); // median total 1.6 s over 100 tasks
    expect(s.cpuMsPerTaskByKind.run).to.be.closeTo(3, 1e-9);
    expect(s.cpuMsPerTaskByKind.q1).to.be.closeTo(5, 1e-9);
    expect(s.cpuMsPerTaskByKind['keep-alive']).to.equal(0); // median of 0, 1, 0
    expect(cpuColumns(s.cpuMsPerTaskByKind).map((v) => Math.round(v * 10) / 10)).to.deep.equal([3, 5, 4, 4, 0]);
    expect(cpuColumns({ run: 1 }).slice(1).every(Number.isNaN)).to.equal(true);
  });

  it('sums the CPU hook reports of a run per kind', () => {
    const d = tempDir('orch-bench-cpu-');
    try {
      const rec = (pid: number, kind: string, userUs: number, systemUs: number) => writeFileSync(join(d, `${pid}.json`), JSON.stringify({ pid, kind, userUs, systemUs }));
      rec(1, 'run', 100_000, 50_000);
      rec(2, 'q1', 200_000, 0);
      rec(3, 'q1', 0, 100_000); // the group restarted
      const c = hookCpu(d, new Map([[1, { kind: 'run', cpuS: 9 }], [4, { kind: 'q2', cpuS: 0.2 }]]));
      expect(c.unreported).to.equal(1); // pid 4 was killed before it could report: its sampled CPU
      expect(c.total).to.be.closeTo(0.65, 1e-9);
      expect(kindOf(['/usr/bin/node', '--max-semi-space-size=2', '/x/dist/workers/worker-cli.js', 'worker', '--quad', '2', '--run-dir', '/r'])).to.equal('q2');
      expect(kindOf(['node', '/x/dist/bin/cli.js', 'run', 'plan.json'])).to.equal('run');
      expect(kindOf(['node', '/x/dist/bin/cli.js', 'keep-alive', '--run-dir', '/r'])).to.equal('keep-alive');
      expect(Object.keys(c.byKind).sort()).to.deep.equal(['q1', 'q2', 'run']);
      expect(c.byKind.q2).to.be.closeTo(0.2, 1e-9);
      expect(c.byKind.run).to.be.closeTo(0.15, 1e-9);
      expect(c.byKind.q1).to.be.closeTo(0.3, 1e-9);
    } finally {
      removeDir(d);
    }
  });

  it('parses its options', () => {
    expect(parseArgs(['--load', '2'])).to.include({ load: 2, smoke: false });
    const smoke = parseArgs(['--smoke']);
    expect(smoke).to.include({ smoke: true, pairs: 1, recovery: false });
    expect(smoke.only).to.deep.equal(['seed20', 'noop100-flat']);
    const a = parseArgs(['--quick', '--pairs', '5', '--only', 'seed20,recovery', '--no-make']);
    expect(a).to.include({ quick: true, pairs: 5, make: false, recovery: true });
    expect(a.only).to.deep.equal(['seed20', 'recovery']);
    expect(() => parseArgs(['--nope'])).to.throw(/unknown option/);
  });
});

describe('bench: smoke workload through the whole harness (real processes)', function () {
  this.timeout(180_000);
  let dir: string;
  beforeEach(() => {
    dir = tempDir('orch-bench-test-');
  });
  afterEach(() => removeDir(dir));

  it('runs 10 tasks with the orchestrator and with make -j12 and reports every figure', async function () {
    if (!makeVersion()) throw new Error('GNU make is required by the benchmark (apt-get install make)');
    const w: Workload = { name: 'smoke10', about: '10 tasks', tasks: Array.from({ length: 10 }, (_, i) => task(`t${i}`, i % 2 ? 50 : 0, i >= 5 ? [`t${i - 5}`] : [])) };
    const lines: string[] = [];
    // One busy loop beside both tools (--load 1), ended by pid when the workload is done.
    const r = await benchWorkload(w, dir, { pairs: 1, make: true, keep: true, load: 1, log: (l) => lines.push(l) });
    expect(r.orchestrator).to.have.length(1);
    expect(r.make).to.have.length(1);
    const [o] = r.orchestrator;
    expect(o!.ok, o!.error).to.equal(true);
    expect(r.make[0]!.ok, r.make[0]!.error).to.equal(true);
    expect(o!.makespanMs).to.be.above(0);
    expect(o!.wallMs).to.be.at.least(o!.makespanMs);
    expect(o!.cpuS).to.be.above(0);
    // CPU per process kind: the run process and its three worker groups each reported at exit.
    expect(Object.keys(o!.cpuByKindS ?? {}).sort()).to.deep.equal(['q1', 'q2', 'q3', 'run']);
    expect(Object.values(o!.cpuByKindS!).reduce((a, b) => a + b, 0)).to.be.closeTo(o!.cpuS!, 1e-9);
    expect(r.summary.cpuMsPerTask).to.be.closeTo((1000 * o!.cpuS!) / 10, 1e-9);
    expect(o!.peakOwnRssMB).to.be.above(10);
    expect(Number.isFinite(o!.dispatchP50), 'dispatch p50 is a measured number').to.equal(true);
    expect(o!.dispatchP50).to.be.at.least(0);
    expect(r.summary.tasks).to.equal(10);
    expect(r.summary.lowerBoundMs).to.equal(50); // the 50 ms tasks, each after a no-op
    expect(r.summary.orchOverMake).to.be.above(0);
    expect(lines.join('\n')).to.match(/smoke10 pair 1\/1: orchestrator .* s, make .* s/);
    // The run really happened: ten finished tasks in its events, make ran in its own folder.
    const events = readFileSync(join(dir, 'smoke10', 'orch-0', 'logs', 'events.jsonl'), 'utf8');
    expect(events.match(/"type":"finished"/g)).to.have.length(10);
    expect(existsSync(join(dir, 'smoke10', 'Makefile'))).to.equal(true);
  });
});
