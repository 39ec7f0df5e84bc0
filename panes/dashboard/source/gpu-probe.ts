/**
 * GPU utilisation and memory from nvidia-smi, when it is installed and answers. The command is
 * injectable so tests can hide it or put a fake in its place; absent means no GPU panel at all.
 */
import { execFile } from 'node:child_process';

export interface GpuSample {
  /** Mean utilisation over the GPUs, 0..100. */
  utilization: number;
  memUsedMiB: number;
  memTotalMiB: number;
  count: number;
}

export const NVIDIA_SMI_ARGS = ['--query-gpu=utilization.gpu,memory.used,memory.total', '--format=csv,noheader,nounits'];

/** One line per GPU: "37, 1024, 8192". Lines that do not parse (e.g. "[N/A]") are skipped. */
export function parseNvidiaSmi(text: string): GpuSample | undefined {
  let util = 0;
  let used = 0;
  let total = 0;
  let count = 0;
  for (const line of text.split('\n')) {
    const f = line.split(',').map((x) => Number(x.trim()));
    if (f.length < 3 || f.slice(0, 3).some((x) => !Number.isFinite(x))) continue;
    util += f[0]!;
    used += f[1]!;
    total += f[2]!;
    count++;
  }
  return count ? { utilization: util / count, memUsedMiB: used, memTotalMiB: total, count } : undefined;
}

export interface GpuProbeOptions {
  command?: string;
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
}

/** Asks nvidia-smi once; undefined when it is missing, fails, or reports no GPU. */
export function queryGpu(o: GpuProbeOptions = {}): Promise<GpuSample | undefined> {
  return new Promise((resolve) => {
    try {
      execFile(o.command ?? 'nvidia-smi', NVIDIA_SMI_ARGS, { timeout: o.timeoutMs ?? 3000, env: o.env ?? process.env, encoding: 'utf8' }, (err, stdout) => {
        resolve(err ? undefined : parseNvidiaSmi(stdout));
      });
    } catch {
      resolve(undefined);
    }
  });
}
