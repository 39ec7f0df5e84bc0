/**
 * How long the state lock is held, worst case, under load: the figure STALE_MS (state/lock.ts)
 * is chosen from. PROCS processes commit transactions on a state of TASKS tasks for SECONDS,
 * with compactions (snapshot writes with fsync, the longest holds) every few hundred
 * transactions; BUSY busy loops (`yes > /dev/null`, ended by pid after) load the CPUs beside.
 * Prints the hold time percentiles and the longest hold of each process.
 *
 *   node --import tsx bench/lock-hold.ts [--procs 4] [--tasks 2000] [--seconds 30] [--busy 4]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { emptyState } from '../state/ops.js';
import type { State, TaskState } from '../state/schema.js';
import { FileStateStore } from '../state/store.js';
import { percentile } from './stats.js';

const SELF = fileURLToPath(import.meta.url);

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
}

function stateOf(n: number): State {
  const s = emptyState(Date.now());
  for (let i = 0; i < n; i++) {
    const id = `T${i}`;
    s.tasks[id] = { id, status: 'pending', hash: `sha1-${id}-0123456789abcdef`, attempts: 0, readyAt: Date.now(), reason: 'waiting for its needs' };
  }
  return s;
}

/** Child: transactions on random tasks until `seconds` pass; prints its hold times as JSON. */
async function child(dir: string, tasks: number, seconds: number): Promise<void> {
  // Compact every ~300 transactions of this size: many snapshot writes in the window.
  const store = new FileStateStore(dir, { compactBytes: 1 });
  await store.open();
  store.lock.record = true;
  const end = Date.now() + seconds * 1000;
  while (Date.now() < end) {
    const id = `T${Math.floor(Math.random() * tasks)}`;
    await store.transaction((s) => {
      const t = s.tasks[id]!;
      const v: TaskState = { ...t, attempts: t.attempts + 1, claimedAt: Date.now() };
      return { ops: [{ op: 'task' as const, v }], value: undefined };
    });
  }
  await store.close();
  process.stdout.write(JSON.stringify(store.lock.stats.holdMs) + '\n');
}

async function main(): Promise<void> {
  const procs = arg('procs', 4);
  const tasks = arg('tasks', 2000);
  const seconds = arg('seconds', 30);
  const busy = arg('busy', 4);
  const dir = mkdtempSync(join(tmpdir(), 'orch-hold-'));
  const loops: ChildProcess[] = Array.from({ length: busy }, () => spawn('sh', ['-c', 'exec yes > /dev/null'], { stdio: 'ignore' }));
  try {
    await (await FileStateStore.create(join(dir, 's'), stateOf(tasks))).close();
    const kids = Array.from({ length: procs }, () => {
      const p = spawn(process.execPath, ['--import', 'tsx', SELF, 'child', join(dir, 's'), String(tasks), String(seconds)], { stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      p.stdout.on('data', (d: Buffer) => (out += d.toString()));
      return new Promise<number[]>((resolve, reject) => p.once('exit', (code) => (code === 0 ? resolve(JSON.parse(out) as number[]) : reject(new Error(`child exited ${code}`)))));
    });
    const holds = await Promise.all(kids);
    const all = holds.flat();
    const f = (v: number) => `${v.toFixed(1)} ms`;
    console.log(`${procs} processes, ${tasks} tasks, ${seconds} s, ${busy} busy loops: ${all.length} holds`);
    console.log(`  hold p50 ${f(percentile(all, 50))}  p99 ${f(percentile(all, 99))}  p99.9 ${f(percentile(all, 99.9))}  max ${f(Math.max(...all))}`);
    console.log(`  longest hold per process: ${holds.map((h) => f(Math.max(...h))).join(', ')}`);
  } finally {
    for (const l of loops) l.kill('SIGKILL'); // our own busy loops, by pid
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === 'child') {
  const [dir, tasks, seconds] = process.argv.slice(3);
  child(dir!, Number(tasks), Number(seconds)).catch((e) => {
    process.stderr.write(`${(e as Error).stack}\n`);
    process.exit(1);
  });
} else {
  main().catch((e) => {
    process.stderr.write(`${(e as Error).stack}\n`);
    process.exit(1);
  });
}
