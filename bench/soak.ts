/**
 * Soak: one long `orchestrator run` that keeps 12 agents busy with short tasks (a few lines of
 * output, every tenth a 64 KB burst), sampling every process of the run every few minutes:
 * RSS and PSS of the run process and of each worker group, and the state's size. Memory that
 * keeps growing after the first samples is a leak; the table shows whether it levels off.
 * Opt-in and long (30 minutes by default):
 *
 *   SOAK_MINUTES=30 SOAK_SAMPLE_MINUTES=5 node dist/bench/soak.js [out.json]
 *
 * Besides the snapshot file (rewritten only at compactions) it reports the live state: the
 * state every process holds, replayed from snapshot and journal, as JSON bytes. SOAK_CLI runs
 * another build's CLI (an A/B against an older version).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI_JS } from '../orchestrator/run-dir/paths.js';
import { FileStateStore } from '../state/store.js';
import { descendants, cmdline } from '../workers/os/process-tree.js';

const minutes = Number(process.env.SOAK_MINUTES ?? 30);
const sampleMinutes = Number(process.env.SOAK_SAMPLE_MINUTES ?? 5);
const TASK_S = 2;
const out = process.argv[2];
const cliJs = process.env.SOAK_CLI ?? CLI_JS;

function pss(pid: number): number {
  try {
    return Number(/^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'))?.[1] ?? 0) / 1024;
  } catch {
    return 0;
  }
}

interface Sample {
  minute: number;
  done: number;
  stateKB: number;
  liveKB: number;
  procs: Array<{ name: string; pid: number; rssMB: number; pssMB: number }>;
}

function sample(root: number, dir: string, t0: number): Sample {
  const procs = descendants([root])
    .filter((p) => p.pid === root || cmdline(p.pid).includes('worker'))
    .map((p) => {
      const argv = cmdline(p.pid);
      const q = argv[argv.indexOf('--quad') + 1];
      return { name: p.pid === root ? 'run' : `quad ${q}`, pid: p.pid, rssMB: p.rssBytes / 2 ** 20, pssMB: pss(p.pid) };
    });
  let done = 0;
  try {
    done = readFileSync(join(dir, 'logs', 'events.jsonl'), 'utf8').split('\n').filter((l) => l.includes('"type":"finished"') || l.includes('"type":"done"')).length;
  } catch {
    // not yet
  }
  let stateKB = 0;
  try {
    stateKB = statSync(join(dir, '.orchestrator', 'state.json')).size / 1024;
  } catch {
    // not yet
  }
  return { minute: (Date.now() - t0) / 60_000, done, stateKB, liveKB: 0, procs };
}

/** The state as every process of the run holds it (snapshot + journal), in JSON KB. */
async function liveKB(dir: string): Promise<number> {
  const store = new FileStateStore(join(dir, '.orchestrator'));
  try {
    await store.open();
    return JSON.stringify(store.read()).length / 1024;
  } catch {
    return 0;
  } finally {
    await store.close().catch(() => undefined);
  }
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'orch-soak-'));
  const count = Math.ceil((minutes * 60 * 12) / (TASK_S + 0.3));
  const tasks = Array.from({ length: count }, (_, i) => ({
    id: `T${i}`,
    run: i % 10 === 9 ? `head -c 49152 /dev/urandom | base64; sleep ${TASK_S}` : `printf 'step %s of task ${i}\\n' 1 2 3 4 5; sleep ${TASK_S}`,
  }));
  writeFileSync(join(dir, 'plan.json'), JSON.stringify({ version: 1, name: 'soak', workdir: 'work', tasks }));
  console.log(`soak: ${count} tasks of ~${TASK_S} s on 12 agents (~${minutes} min), run dir ${dir}`);
  const t0 = Date.now();
  const run = spawn(process.execPath, [cliJs, 'run', join(dir, 'plan.json'), '--run-dir', dir], { stdio: 'ignore' });
  const samples: Sample[] = [];
  const take = async () => {
    const s = sample(run.pid!, dir, t0);
    s.liveKB = await liveKB(dir);
    samples.push(s);
    console.log(`${s.minute.toFixed(1).padStart(5)} min  ${String(s.done).padStart(6)} done  state.json ${s.stateKB.toFixed(0)} KB  live state ${s.liveKB.toFixed(0)} KB  ${s.procs.map((p) => `${p.name} ${p.rssMB.toFixed(1)}/${p.pssMB.toFixed(1)} MB`).join('  ')}`);
  };
  setTimeout(() => void take(), 30_000); // after start-up
  const timer = setInterval(() => void take(), sampleMinutes * 60_000);
  const code = await new Promise<number | null>((r) => run.once('exit', r));
  clearInterval(timer);
  console.log(`run exited ${code} after ${((Date.now() - t0) / 60_000).toFixed(1)} min (RSS/PSS per process)`);
  const end = sample(run.pid!, dir, t0);
  end.liveKB = await liveKB(dir);
  samples.push(end);
  console.log(`at the end: ${end.done} done, state.json ${end.stateKB.toFixed(0)} KB, live state ${end.liveKB.toFixed(0)} KB`);
  if (out) writeFileSync(out, JSON.stringify({ minutes, count, samples }, null, 2));
  rmSync(dir, { recursive: true, force: true });
}

void main();
