/**
 * Memory of a process tree, sampled from /proc: every `intervalMs`, the descendants of the
 * root are found (by parent pid) and their RSS summed at that instant; the tool's "own"
 * processes (picked by name) also get their PSS read from smaps_rollup. Peaks are kept.
 */
import { readFileSync } from 'node:fs';
import { descendants } from '../workers/os/process-tree.js';

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

export class TreeSampler {
  private timer?: NodeJS.Timeout;
  private peaks: TreePeaks = { treeRssMB: 0, ownRssMB: 0, ownPssMB: 0, samples: 0 };

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
      }
    }
    const k = this.peaks;
    k.samples++;
    k.treeRssMB = Math.max(k.treeRssMB, all / MiB);
    k.ownRssMB = Math.max(k.ownRssMB, own / MiB);
    k.ownPssMB = Math.max(k.ownPssMB, pss / 1024);
  }
}
