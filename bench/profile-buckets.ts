/**
 * Where a process's time goes, by engine activity: each profiler sample is charged to the
 * activity of its innermost recognised frame (a `open` inside the task log's opener is log
 * file creation, inside the journal's append it is a journal append). Pure: a .cpuprofile in,
 * milliseconds per bucket out.
 */

export interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
export interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** A bucket and how to recognise its frames: the function name and the file's tail. */
interface Rule {
  bucket: string;
  fn?: RegExp;
  file?: RegExp;
}

/** Innermost match wins, so narrower activities come first within a stack, not in this list. */
const RULES: Rule[] = [
  { bucket: 'spawn (fork/exec, pipes)', fn: /^(spawn|ChildProcess\.spawn|runPlain|createSocket|normalizeSpawnArguments)$/ },
  { bucket: 'task output and exit', file: /executor\.js$/ },
  { bucket: 'task log file', fn: /^(open|runAttempt)$/, file: /task-runner\.js$/ },
  { bucket: 'task log file', fn: /^log$/, file: /task-runner\.js$/ },
  { bucket: 'agent log writes', fn: /^agentLog$/ },
  { bucket: 'event writes', fn: /^(appendEvent|logEvents|formatEvent)$/ },
  { bucket: 'event writes', fn: /^onEvents$/ },
  { bucket: 'journal replay (catch-up)', fn: /^(catchUp|replay|reload|readJournal|parseLines)$/, file: /(store|journal)\.js$/ },
  { bucket: 'journal append + sync', fn: /^(append|syncSoon|compact)$/, file: /store\.js$/ },
  { bucket: 'lock', file: /lock\.js$/ },
  { bucket: 'idle agents: state reads', fn: /^(wakeSoon|evaluate|worthClaiming|nextWakeMs|sleep|check)$/, file: /(worker-group|store)\.js$/ },
  { bucket: 'heartbeats + lease expiry', fn: /^beat$/ },
  { bucket: 'scheduling (claim/finish)', file: /(transitions|scheduler|graph|task-index|draft|ops)\.js$/ },
  { bucket: 'journal append + sync', fn: /^commit$/, file: /store\.js$/ },
  { bucket: 'progress output', file: /(run-progress|report|event-line|view)\.js$/ },
  { bucket: 'keep-alive (/proc scans, checks)', file: /(keep-alive|process-tree|health|child-supervisor)\.js$/ },
  { bucket: 'start-up (module load, plan)', file: /(esm\/|bootstrap\/|plan[\w-]*\.js|run-setup\.js)/ },
  { bucket: 'garbage collector', fn: /^\(garbage collector\)$/ },
  { bucket: '(idle)', fn: /^\(idle\)$/ },
];

function bucketOf(n: ProfileNode): string | undefined {
  const file = n.callFrame.url.split('/').slice(-2).join('/');
  for (const r of RULES) if ((!r.fn || r.fn.test(n.callFrame.functionName)) && (!r.file || r.file.test(file))) return r.bucket;
  return undefined;
}

/** Milliseconds per bucket; samples matching no rule go to `other`. */
export function buckets(p: CpuProfile): Map<string, number> {
  const byId = new Map(p.nodes.map((x) => [x.id, x]));
  const parent = new Map<number, number>();
  for (const x of p.nodes) for (const c of x.children ?? []) parent.set(c, x.id);
  const memo = new Map<number, string>();
  const of = (id: number): string => {
    let b = memo.get(id);
    if (b === undefined) {
      const up = parent.get(id);
      b = bucketOf(byId.get(id)!) ?? (up === undefined ? 'other' : of(up));
      memo.set(id, b);
    }
    return b;
  };
  const out = new Map<string, number>();
  p.samples.forEach((s, i) => {
    const b = of(s);
    out.set(b, (out.get(b) ?? 0) + (p.timeDeltas[i] ?? 0) / 1000);
  });
  return out;
}
