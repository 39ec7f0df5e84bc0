/**
 * One measured run of a tool on a workload's files: wall time from spawn to exit, memory
 * sampled over the process tree, and for the orchestrator its CPU (from a --require hook in
 * each of its node processes) and what its events say (dispatch overhead, inner makespan).
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { CLI_BIN, PACKAGE_ROOT, runPaths } from '../orchestrator/run-dir/paths.js';
import { readEvents } from '../state/events.js';
import { descendants } from '../workers/os/process-tree.js';
import { TreeSampler, type SampledCpu } from './proc-sampler.js';
import { dispatchOverheads, innerMakespan, type Sample } from './stats.js';

export const CPU_HOOK = join(PACKAGE_ROOT, 'bench', 'cpu-hook.cjs');
export const AGENTS = 12;

interface Exit {
  code: number | null;
  wallMs: number;
  stderr: string;
  peaks: ReturnType<TreeSampler['stop']>;
  /** Per own pid, its CPU as last sampled from /proc. */
  sampledCpu: Map<number, SampledCpu>;
}

function timed(cmd: string, args: string[], opts: { cwd: string; env?: NodeJS.ProcessEnv; own: (comm: string) => boolean; timeoutMs: number }): Promise<Exit> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr!.setEncoding('utf8').on('data', (c: string) => (stderr = (stderr + c).slice(-4000)));
    const sampler = child.pid ? new TreeSampler(child.pid, opts.own).start() : undefined;
    // A stuck run is ended as a whole: its worker groups and tasks too, not only the command.
    const killer = setTimeout(() => {
      for (const p of child.pid ? descendants([child.pid]).reverse() : []) {
        try {
          process.kill(p.pid, 'SIGKILL');
        } catch {
          // gone already
        }
      }
      child.kill('SIGKILL');
    }, opts.timeoutMs);
    child.once('error', (e) => {
      clearTimeout(killer);
      sampler?.stop();
      reject(e);
    });
    child.once('exit', (code) => {
      const wallMs = performance.now() - t0;
      clearTimeout(killer);
      const peaks = sampler?.stop() ?? { treeRssMB: NaN, ownRssMB: NaN, ownPssMB: NaN, samples: 0 };
      resolve({ code, wallMs, stderr, peaks, sampledCpu: sampler?.cpu ?? new Map() });
    });
  });
}

function dirBytes(dir: string): number {
  if (!existsSync(dir)) return 0;
  return readdirSync(dir).reduce((s, f) => s + statSync(join(dir, f)).size, 0);
}

/**
 * CPU seconds (user + system, children excluded) of the node processes that reported through
 * the hook, in total and per process kind (`run`, `q1`..`q3`, `keep-alive`, ...). A kind seen
 * more than once (a restarted group) is summed.
 */
export function hookCpu(dir: string, sampled: ReadonlyMap<number, SampledCpu> = new Map()): { total: number; byKind: Record<string, number>; unreported: number } {
  const byKind: Record<string, number> = {};
  let total = 0;
  const add = (k: string, s: number) => {
    total += s;
    byKind[k] = (byKind[k] ?? 0) + s;
  };
  const reported = new Set<number>();
  for (const f of readdirSync(dir)) {
    if (!f.endsWith('.json')) continue;
    const r = JSON.parse(readFileSync(join(dir, f), 'utf8')) as { pid: number; userUs: number; systemUs: number; kind?: string };
    reported.add(r.pid);
    add(r.kind ?? 'node', (r.userUs + r.systemUs) / 1e6);
  }
  // A process killed (SIGKILL) before its exit hook ran: its CPU as last sampled from /proc.
  let unreported = 0;
  for (const [pid, c] of sampled) {
    if (reported.has(pid)) continue;
    unreported++;
    add(c.kind, c.cpuS);
  }
  return { total, byKind, unreported };
}

/** Total CPU seconds of the hook's reports in `dir`. */
export function hookCpuSeconds(dir: string): number {
  return hookCpu(dir).total;
}

/** `bin/orchestrator run PLAN --run-dir DIR --fresh` (as users run it) with 12 agents in 3 worker groups. */
export async function runOrchestrator(planFile: string, runDir: string, timeoutMs: number): Promise<Sample> {
  const cpuDir = join(runDir, '..', `${runDir.split('/').pop()}-cpu`);
  mkdirSync(cpuDir, { recursive: true });
  mkdirSync(runDir, { recursive: true });
  const env = { ...process.env, NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --require ${CPU_HOOK}`.trim(), BENCH_CPU_DIR: cpuDir };
  // The plan names no agents: the defaults, 12 agents in 3 worker groups.
  const args = ['run', planFile, '--run-dir', runDir, '--fresh'];
  // The shell shim execs node (same process), so the process tree is the same as node's own.
  const r = await timed(CLI_BIN, args, { cwd: runDir, env: { ...env, PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ''}` }, own: (c) => c === 'node', timeoutMs });
  const paths = runPaths(runDir);
  const events = readEvents(paths.events);
  const cpu = hookCpu(cpuDir, r.sampledCpu);
  return {
    tool: 'orchestrator',
    wallMs: r.wallMs,
    makespanMs: innerMakespan(events),
    ok: r.code === 0,
    peakTreeRssMB: r.peaks.treeRssMB,
    peakOwnRssMB: r.peaks.ownRssMB,
    peakOwnPssMB: r.peaks.ownPssMB,
    cpuS: cpu.total,
    cpuByKindS: cpu.byKind,
    cpuUnreported: cpu.unreported,
    dispatchMs: dispatchOverheads(events),
    stateBytes: dirBytes(paths.stateDir),
    events: events.length,
    ...(r.code !== 0 && { error: `exit ${r.code}: ${r.stderr.trim().split('\n').slice(-3).join(' | ')}` }),
  };
}

/** `make -j12 -f Makefile` in `dir`. */
export async function runMake(makefile: string, dir: string, timeoutMs: number): Promise<Sample> {
  mkdirSync(dir, { recursive: true });
  const r = await timed('make', [`-j${AGENTS}`, '-f', makefile], { cwd: dir, own: (c) => c === 'make', timeoutMs });
  return {
    tool: 'make',
    wallMs: r.wallMs,
    makespanMs: r.wallMs,
    ok: r.code === 0,
    peakTreeRssMB: r.peaks.treeRssMB,
    peakOwnRssMB: r.peaks.ownRssMB,
    peakOwnPssMB: r.peaks.ownPssMB,
    ...(r.code !== 0 && { error: `exit ${r.code}: ${r.stderr.trim().split('\n').slice(-3).join(' | ')}` }),
  };
}

/** GNU make's version line, or undefined when there is no make on the PATH. */
export function makeVersion(): string | undefined {
  const r = spawnSync('make', ['--version'], { encoding: 'utf8' });
  if (r.error || r.status !== 0) return undefined;
  const first = r.stdout.split('\n')[0] ?? '';
  return /GNU Make/.test(first) ? first : undefined;
}

export const MAKE_MISSING = 'GNU make is not installed, and the benchmark compares against it. Install it (Debian/Ubuntu: sudo apt-get install make; Fedora: sudo dnf install make; macOS: brew install make, then run with gmake on the PATH as make) and run again, or pass --no-make to measure the orchestrator alone.';
