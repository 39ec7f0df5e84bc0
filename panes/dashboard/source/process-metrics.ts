/**
 * CPU and memory of the machine and of the run's own processes — the worker groups (pids from
 * state.groups) and all their descendants, i.e. every task tree — summed, sampled on demand
 * and kept as a short history for the line charts. GPU figures ride along when present.
 */
import { cpus, freemem, totalmem } from 'node:os';
import pidusage from 'pidusage';
import type { State } from '../../../state/schema.js';
import { clockTicks, descendants, HAS_PROC, readProcTable, type ProcTable } from '../../../workers/os/process-tree.js';
import { queryGpu, type GpuProbeOptions, type GpuSample } from './gpu-probe.js';

export interface MetricsSample {
  at: number;
  /** Whole machine, 0..100 of all cores. */
  machineCpu: number;
  machineMemUsed: number;
  machineMemTotal: number;
  /** The run's processes, 0..100 of all cores (so it compares with the machine line). */
  runCpu: number;
  runMem: number;
  runProcs: number;
  gpu?: GpuSample;
}

/** Worker group pids worth following: groups that may still be alive (a dead group's pid may be reused). */
export function runRoots(s: State | undefined): number[] {
  if (!s) return [];
  const live = new Set(['starting', 'running', 'hung', 'restarting']);
  return Object.values(s.groups).filter((g) => g.pid && live.has(g.status)).map((g) => g.pid!);
}

export interface SamplerOptions {
  /** The pids whose trees count as the run. */
  roots: () => number[];
  /** GPU probe; `false` disables it. */
  gpu?: GpuProbeOptions | false;
  history?: number;
  readTable?: () => ProcTable;
}

function cpuTimes(): { idle: number; total: number } {
  let idle = 0;
  let total = 0;
  for (const c of cpus()) {
    idle += c.times.idle;
    total += c.times.user + c.times.nice + c.times.sys + c.times.idle + c.times.irq;
  }
  return { idle, total };
}

export class MetricsSampler {
  readonly history: MetricsSample[] = [];
  /** Whether a GPU answered the first probe; undefined until `init()`. */
  gpuPresent: boolean | undefined;
  private lastCpu = cpuTimes();
  private lastTicks: number | undefined;
  private lastAt = Date.now();
  private busy = false;

  constructor(private o: SamplerOptions) {}

  /** Probes the GPU once: the panel exists only when this says so. */
  async init(): Promise<void> {
    this.gpuPresent = this.o.gpu === false ? false : (await queryGpu(this.o.gpu)) !== undefined;
  }

  /** Takes a sample and appends it to the history (skipped if the previous one is still running). */
  async sample(): Promise<MetricsSample | undefined> {
    if (this.busy) return undefined;
    this.busy = true;
    try {
      const at = Date.now();
      const dt = Math.max(1, at - this.lastAt) / 1000;
      const cpu = cpuTimes();
      const dTotal = cpu.total - this.lastCpu.total;
      const machineCpu = dTotal > 0 ? (100 * (dTotal - (cpu.idle - this.lastCpu.idle))) / dTotal : 0;
      this.lastCpu = cpu;
      const run = await this.runUsage(dt);
      this.lastAt = at;
      const gpu = this.gpuPresent && this.o.gpu !== false ? await queryGpu(this.o.gpu) : undefined;
      const s: MetricsSample = {
        at, machineCpu: clamp(machineCpu), machineMemUsed: totalmem() - freemem(), machineMemTotal: totalmem(),
        runCpu: clamp(run.cpu), runMem: run.mem, runProcs: run.procs, gpu,
      };
      this.history.push(s);
      if (this.history.length > (this.o.history ?? 60)) this.history.shift();
      return s;
    } finally {
      this.busy = false;
    }
  }

  private async runUsage(dt: number): Promise<{ cpu: number; mem: number; procs: number }> {
    const roots = this.o.roots();
    if (!HAS_PROC && !this.o.readTable) return pidusageFallback(roots);
    const table = (this.o.readTable ?? readProcTable)();
    let mem = 0;
    let ticks = 0;
    const procs = descendants(roots, table);
    for (const p of procs) {
      mem += p.rssBytes;
      ticks += p.ticks;
    }
    // Ticks of processes reaped inside the tree move to their parent's cutime, so the sum only
    // drops when a whole tree ends: clamp that to zero instead of reporting negative load.
    const delta = this.lastTicks === undefined ? 0 : Math.max(0, ticks - this.lastTicks);
    this.lastTicks = ticks;
    const cpu = (100 * delta) / clockTicks() / dt / Math.max(1, cpus().length);
    return { cpu, mem, procs: procs.length };
  }
}

const clamp = (v: number) => Math.max(0, Math.min(100, Number.isFinite(v) ? v : 0));

/** Without /proc (macOS): the roots alone, through pidusage. */
async function pidusageFallback(roots: number[]): Promise<{ cpu: number; mem: number; procs: number }> {
  if (!roots.length) return { cpu: 0, mem: 0, procs: 0 };
  try {
    const stats = await pidusage(roots);
    let cpu = 0;
    let mem = 0;
    for (const st of Object.values(stats)) {
      cpu += st.cpu;
      mem += st.memory;
    }
    return { cpu: cpu / Math.max(1, cpus().length), mem, procs: Object.keys(stats).length };
  } catch {
    return { cpu: 0, mem: 0, procs: 0 };
  }
}
