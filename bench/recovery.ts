/**
 * Recovery figure of the keep-alive monitor: the time from the SIGKILL of a worker group to
 * each task it was running starting again (its next `started` event in events.jsonl), with the
 * default keep-alive interval (2 s).
 *
 *   node --import tsx bench/recovery.ts [--trials N] [--modes run,ha,ha-adopted] [--scenarios spare,full] [--json]
 *
 * Modes: `run` and `ha` (the monitor is the parent of the groups it started and sees their exit
 * at once) and `ha-adopted` (the monitor is SIGKILLed first; its replacement adopts the groups
 * by pid and can only poll them, once per interval: the slowest detection). Scenarios: `spare` — 6 long tasks on 12
 * agents, so idle agents of other groups take the interrupted tasks over as soon as the death is
 * detected; `full` — 12 long tasks on 12 agents, so the tasks wait for the group's restart
 * (backoff 1 s plus the new process's start-up).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI_JS, runPaths } from '../orchestrator/run-dir/paths.js';
import { findByEnv } from '../workers/os/process-tree.js';
import { liveHolder } from '../orchestrator/supervisors/seats.js';
import { readEvents } from '../state/events.js';
import { FileStateStore } from '../state/store.js';

export type Mode = 'run' | 'ha' | 'ha-adopted';
export type Scenario = 'spare' | 'full';

export interface RecoverySample {
  mode: Mode;
  scenario: Scenario;
  quad: number;
  /** Per interrupted task: kill → its next `started`, ms. */
  tasksMs: number[];
  error?: string;
}

const MARK = 'ORCH_RECOVERY_BENCH_MARK';
const readText = (f: string) => (existsSync(f) ? readFileSync(f, 'utf8') : '');

async function until<T>(what: string, deadline: number, probe: () => Promise<T | undefined> | T | undefined): Promise<T> {
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

/** One trial: start a run, SIGKILL the group running the most tasks, time the restarts. */
export async function recoverySample(mode: Mode, scenario: Scenario, timeoutMs = 60_000): Promise<RecoverySample> {
  const dir = mkdtempSync(join(tmpdir(), 'orch-recovery-'));
  const n = scenario === 'spare' ? 6 : 12;
  const plan = join(dir, 'plan.json');
  writeFileSync(plan, JSON.stringify({ version: 1, name: `recovery-${scenario}`, workdir: 'work', tasks: Array.from({ length: n }, (_, i) => ({ id: `r${i}`, run: 'sleep 20' })) }));
  const runDir = join(dir, 'run');
  const paths = runPaths(runDir);
  const mark = `${process.pid}-${Date.now()}`;
  const child = spawn(process.execPath, [CLI_JS, mode === 'run' ? 'run' : 'ha', plan, '--run-dir', runDir], { stdio: 'ignore', env: { ...process.env, [MARK]: mark } });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const sample: RecoverySample = { mode, scenario, quad: 0, tasksMs: [] };
  const deadline = Date.now() + timeoutMs;
  try {
    const store = new FileStateStore(paths.stateDir);
    await until('the state', deadline, () => (FileStateStore.exists(paths.stateDir) ? true : undefined));
    await store.open();
    // Every task running and its process started; then a moment of steady state.
    await until('all tasks started', deadline, () => (readEvents(paths.events).filter((e) => e.type === 'started').length >= n ? true : undefined));
    await sleep(1500);
    if (mode === 'ha-adopted') {
      const old = liveHolder(paths.stateDir, 'keep-alive')!.pid;
      process.kill(old, 'SIGKILL');
      await until('a new monitor to adopt the groups', deadline, () => (/adopted quads/.test(readText(paths.keepAliveLog)) ? true : undefined));
      await sleep(1000);
    }
    const s = store.read();
    const perQuad = new Map<number, string[]>();
    for (const t of Object.values(s.tasks)) if (t.status === 'running' && t.quad !== undefined) perQuad.set(t.quad, [...(perQuad.get(t.quad) ?? []), t.id]);
    const [quad, tasks] = [...perQuad.entries()].sort((a, b) => b[1].length - a[1].length)[0]!;
    const pid = s.groups[String(quad)]!.pid!;
    const fences = new Map(tasks.map((id) => [id, s.tasks[id]!.fence ?? 0]));
    sample.quad = quad;
    const killedAt = Date.now();
    process.kill(pid, 'SIGKILL');
    const again = await until('the interrupted tasks to start again', deadline, () => {
      const m = new Map<string, number>();
      for (const e of readEvents(paths.events)) if (e.type === 'started' && e.task && (e.fence ?? 0) > (fences.get(e.task) ?? Infinity) && !m.has(e.task)) m.set(e.task, e.ts);
      return m.size === fences.size ? m : undefined;
    });
    sample.tasksMs = [...again.values()].map((ts) => ts - killedAt).sort((a, b) => a - b);
    await store.close();
  } catch (e) {
    sample.error = (e as Error).message;
  } finally {
    child.kill('SIGTERM');
    const late = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(late);
    // Whatever of this trial is left (orphans of the killed group included) carries our marker.
    for (let i = 0; i < 50; i++) {
      const left = findByEnv((env) => env.get(MARK) === mark);
      if (!left.length) break;
      if (i > 20) for (const p of left) process.kill(p.pid, 'SIGKILL');
      await sleep(100);
    }
    rmSync(dir, { recursive: true, force: true });
  }
  return sample;
}

const pct = (xs: number[], p: number) => xs[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;

async function main(argv: string[]): Promise<void> {
  const opt = (name: string, def: string) => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1]! : def;
  };
  const trials = Number(opt('--trials', '3'));
  const modes = opt('--modes', 'run,ha,ha-adopted').split(',') as Mode[];
  const scenarios = opt('--scenarios', 'spare,full').split(',') as Scenario[];
  const all: RecoverySample[] = [];
  for (const mode of modes) {
    for (const scenario of scenarios) {
      const got: RecoverySample[] = [];
      for (let i = 0; i < trials; i++) got.push(await recoverySample(mode, scenario));
      all.push(...got);
      const ms = got.flatMap((g) => g.tasksMs).sort((a, b) => a - b);
      const errors = got.filter((g) => g.error).map((g) => g.error);
      const line = ms.length
        ? `${mode.padEnd(10)} ${scenario.padEnd(5)}: ${ms.length} interrupted tasks in ${got.length} kills — kill → started again: min ${ms[0]} ms, median ${pct(ms, 50)} ms, max ${ms.at(-1)} ms`
        : `${mode} ${scenario}: no data`;
      process.stdout.write(`${line}${errors.length ? ` (errors: ${errors.join('; ')})` : ''}\n`);
    }
  }
  if (argv.includes('--json')) process.stdout.write(JSON.stringify(all) + '\n');
}

if (process.argv[1] && /recovery\.(ts|js)$/.test(process.argv[1])) {
  main(process.argv.slice(2)).catch((e) => {
    process.stderr.write(`${(e as Error).stack}\n`);
    process.exitCode = 1;
  });
}
