/**
 * Memory of a process tree, sampled from /proc: every `intervalMs`, the descendants of the
 * root are found (by parent pid) and their RSS summed at that instant; the tool's "own"
 * processes (picked by name) also get their PSS read from smaps_rollup. Peaks are kept.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

export interface TreePeaks {
  treeRssMB: number;
  ownRssMB: number;
  ownPssMB: number;
  samples: number;
}

interface ProcInfo {
  pid: number;
  ppid: number;
  comm: string;
  rssPages: number;
}

let pageSize = 0;
function pageBytes(): number {
  if (!pageSize) {
    try {
      pageSize = Number(execFileSync('getconf', ['PAGESIZE'], { encoding: 'utf8' }).trim()) || 4096;
    } catch {
      pageSize = 4096;
    }
  }
  return pageSize;
}

/** Parses /proc/<pid>/stat; the command name may itself contain spaces and parentheses. */
export function parseStat(text: string): ProcInfo | undefined {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return undefined;
  const rest = text.slice(close + 2).split(' ');
  // rest[0] is the state (field 3); ppid is field 4, rss field 24.
  return { pid: Number(text.slice(0, open)), comm: text.slice(open + 1, close), ppid: Number(rest[1]), rssPages: Number(rest[21]) };
}

function readProcs(): ProcInfo[] {
  const out: ProcInfo[] = [];
  for (const name of readdirSync('/proc')) {
    const c = name.charCodeAt(0);
    if (c < 48 || c > 57) continue;
    try {
      const p = parseStat(readFileSync(`/proc/${name}/stat`, 'utf8'));
      if (p) out.push(p);
    } catch {
      // exited meanwhile
    }
  }
  return out;
}

/** The root and everything below it. */
export function descendants(procs: readonly ProcInfo[], root: number): ProcInfo[] {
  const children = new Map<number, ProcInfo[]>();
  let rootInfo: ProcInfo | undefined;
  for (const p of procs) {
    if (p.pid === root) rootInfo = p;
    const list = children.get(p.ppid);
    if (list) list.push(p);
    else children.set(p.ppid, [p]);
  }
  if (!rootInfo) return [];
  const out = [rootInfo];
  for (let i = 0; i < out.length; i++) out.push(...(children.get(out[i]!.pid) ?? []));
  return out;
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
    const tree = descendants(readProcs(), this.root);
    if (!tree.length) return;
    const mb = pageBytes() / (1 << 20);
    let all = 0;
    let own = 0;
    let pss = 0;
    for (const p of tree) {
      all += p.rssPages;
      if (this.isOwn(p.comm)) {
        own += p.rssPages;
        pss += pssKB(p.pid);
      }
    }
    const k = this.peaks;
    k.samples++;
    k.treeRssMB = Math.max(k.treeRssMB, all * mb);
    k.ownRssMB = Math.max(k.ownRssMB, own * mb);
    k.ownPssMB = Math.max(k.ownPssMB, pss / 1024);
  }
}
