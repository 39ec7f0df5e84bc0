/**
 * Memory of a process tree, sampled from /proc: every `intervalMs`, the descendants of the
 * root are found (by parent pid) and their RSS summed at that instant; the tool's "own"
 * processes (picked by name) also get their PSS read from smaps_rollup. Peaks are kept.
 */
import { readFileSync } from 'node:fs';
import { clockTicks, descendants } from '../workers/os/process-tree.js';

const MiB = 1 << 20;

export interface TreePeaks {
  treeRssMB: number;
  ownRssMB: number;
  ownPssMB: number;
  samples: number;
}

function pssKB(pid: number): number {
  try {
    const m = /^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/** The process's own user+system clock ticks (children excluded), fields 14 and 15 of its stat. */
function ownTicks(pid: number): number | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return Number(f[11]) + Number(f[12]);
  } catch {
    return undefined;
  }
}

/** What an orchestrator process is, from its command line: `run`, `q1`.., `keep-alive`, ... */
export function kindOf(argv: readonly string[]): string {
  const at = argv.findIndex((a) => a.endsWith('.js'));
  const args = argv.slice(at + 1);
  const q = args.indexOf('--quad');
  if (args[0] === 'worker' && q > 0) return `q${args[q + 1]}`;
  return args[0] ?? 'node';
}

/**
 * The kind of an own process, or undefined when it is not node after all: a task process caught
 * between fork and exec still has node's name, and its command line is the task's by now.
 */
function kindOfPid(pid: number): string | undefined {
  try {
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
    return /(^|\/)node$/.test(argv[0] ?? '') ? kindOf(argv) : undefined;
  } catch {
    return 'node';
  }
}

/** CPU of one own process as last sampled (a lower bound: up to one interval is missed). */
export interface SampledCpu {
  kind: string;
  cpuS: number;
}

export class TreeSampler {
  private timer?: NodeJS.Timeout;
  private peaks: TreePeaks = { treeRssMB: 0, ownRssMB: 0, ownPssMB: 0, samples: 0 };
  /** Per own pid, its CPU at the last sample: for a process killed before it could report. */
  readonly cpu = new Map<number, SampledCpu>();

  constructor(private root: number, private isOwn: (comm: string) => boolean, private intervalMs = 100) {}

  start(): this {
    this.sample();
    this.timer = setInterval(() => this.sample(), this.intervalMs);
    return this;
  }

  stop(): TreePeaks {
    clearInterval(this.timer);
    return this.peaks;
  }

  sample(): void {
    const tree = descendants([this.root]);
    if (!tree.length) return;
    let all = 0;
    let own = 0;
    let pss = 0;
    for (const p of tree) {
      all += p.rssBytes;
      if (this.isOwn(p.comm)) {
        own += p.rssBytes;
        pss += pssKB(p.pid);
        const t = ownTicks(p.pid);
        const kind = this.cpu.get(p.pid)?.kind ?? kindOfPid(p.pid);
        if (t !== undefined && kind !== undefined) {
          const c = this.cpu.get(p.pid) ?? { kind, cpuS: 0 };
          c.cpuS = t / clockTicks();
          this.cpu.set(p.pid, c);
        }
      }
    }
    const k = this.peaks;
    k.samples++;
    k.treeRssMB = Math.max(k.treeRssMB, all / MiB);
    k.ownRssMB = Math.max(k.ownRssMB, own / MiB);
    k.ownPssMB = Math.max(k.ownPssMB, pss / 1024);
  }
}
