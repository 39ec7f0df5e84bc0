/**
 * What worktree mode costs per task, on the bundled 20-task plan: create the task's worktree
 * (reconcile + worktree add), commit its changes (add, write-tree, commit-tree, update-ref),
 * merge them into the integration branch (merge-tree, commit-tree, update-ref) and remove the
 * worktree, with the product's own TaskWorkspaces on a real repository.
 *
 * The tasks' real output is produced once first (each task's `run` in a scratch folder, in
 * dependency order; what each one changed is kept), so every round replays exactly the files
 * the plan writes, without the tasks' own run time. Each round uses a fresh repository; the
 * median round is reported. CPU is this process plus every git it waited for (/proc/self/stat).
 *
 *   node --import tsx bench/worktree-cost.ts [--rounds N] [--plan FILE]
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { buildGraph, topoOrder } from '../orchestrator/core/graph/graph.js';
import { loadPlan } from '../orchestrator/run-dir/load-plan.js';
import { DEFAULT_PLAN } from '../orchestrator/run-dir/paths.js';
import { TaskWorkspaces } from '../orchestrator/run-dir/task-workspace.js';
import { openRunRepo } from '../orchestrator/run-dir/git-repo.js';
import { median } from './stats.js';

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1]! : dflt;
}

/** CPU seconds of this process and its waited-for children (utime, stime, cutime, cstime). */
function cpuSeconds(): number {
  const f = readFileSync('/proc/self/stat', 'utf8');
  const fields = f.slice(f.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14])) / 100;
}

function files(dir: string, base = dir, out = new Map<string, string>()): Map<string, string> {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.name === '__pycache__' || e.name === '.git') continue;
    const p = join(dir, e.name);
    if (e.isDirectory()) files(p, base, out);
    else if (e.isFile()) out.set(relative(base, p), readFileSync(p, 'latin1') + `\0${statSync(p).mode & 0o111 ? 'x' : ''}`);
  }
  return out;
}

const plan = loadPlan(arg('plan', DEFAULT_PLAN));
const rounds = Number(arg('rounds', '5'));
const root = mkdtempSync(join(tmpdir(), 'orch-wt-bench-'));
process.env.HOME = join(root, 'home');
process.env.GIT_CONFIG_GLOBAL = join(root, 'home', 'no-gitconfig');
process.env.GIT_CONFIG_NOSYSTEM = '1';
mkdirSync(process.env.HOME);

const order = (topoOrder(buildGraph(plan.tasks)) ?? []).map((i) => plan.tasks[i]!);
// 1. What each task writes: run them once, in order, and diff the folder after each.
const scratch = join(root, 'scratch');
mkdirSync(scratch);
const changes = new Map<string, Map<string, string>>();
let before = new Map<string, string>();
for (const t of order) {
  execFileSync('/bin/sh', ['-c', typeof t.run === 'string' ? t.run : (t.run ?? ['true']).map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(' ')], { cwd: scratch, stdio: 'ignore', env: { ...process.env, ...t.env } });
  const after = files(scratch);
  changes.set(t.id, new Map([...after].filter(([p, c]) => before.get(p) !== c)));
  before = after;
}
const nFiles = [...changes.values()].reduce((n, m) => n + m.size, 0);

// 2. Replay with worktree mode's git work, timed per phase.
type Phase = 'create' | 'commit' | 'merge' | 'remove';
const results: { wall: Record<Phase, number>; cpu: number; wallTotal: number }[] = [];
for (let r = 0; r < rounds; r++) {
  const dir = join(root, `round-${r}`);
  const settings = { init: true, integration: `orchestrator/${plan.name}`, author: { name: 'orchestrator', email: 'orchestrator@localhost' } };
  const repo = await openRunRepo(join(dir, 'repo'), settings, (m) => new Error(m));
  execFileSync('git', ['-C', repo.top, 'branch', settings.integration]);
  const ws = new TaskWorkspaces(repo, plan.name, join(dir, 'state'), settings);
  const wall: Record<Phase, number> = { create: 0, commit: 0, merge: 0, remove: 0 };
  const cpu0 = cpuSeconds();
  const t0 = performance.now();
  for (const t of order) {
    let at = performance.now();
    const lap = (p: Phase) => {
      const now = performance.now();
      wall[p] += now - at;
      at = now;
    };
    const p = await ws.prepare(t.id, 'h');
    if (p.kind !== 'run') throw new Error(`unexpected ${p.kind}`);
    lap('create');
    for (const [path, content] of changes.get(t.id)!) {
      const file = join(p.cwd, path);
      mkdirSync(dirname(file), { recursive: true });
      const exec = content.endsWith('\0x');
      writeFileSync(file, Buffer.from(content.slice(0, content.lastIndexOf('\0')), 'latin1'), { mode: exec ? 0o755 : 0o644 });
    }
    at = performance.now(); // writing the task's files is the task's work, not worktree mode's
    const commit = await ws.commit(t.id, t.title, 'h', p.path, p.base);
    lap('commit');
    if (commit) {
      const m = await ws.merge(t.id, t.title, 'h', commit, true);
      if (!m.merged) throw new Error(`${t.id}: ${m.reason}`);
    }
    lap('merge');
    await ws.removeWorktree(t.id);
    lap('remove');
  }
  results.push({ wall, cpu: cpuSeconds() - cpu0, wallTotal: performance.now() - t0 });
  rmSync(dir, { recursive: true, force: true });
}
// 3. For scale on a busy machine: what one `git --version` costs from this process (fork, exec, exit).
const probe = join(root, 'probe');
mkdirSync(probe);
const { git } = await import('../workers/git/git.js');
const spawnCpu0 = cpuSeconds();
const spawnT0 = performance.now();
for (let i = 0; i < 40; i++) await git(probe, ['--version']);
const spawnCpu = ((cpuSeconds() - spawnCpu0) * 1000) / 40;
const spawnWall = (performance.now() - spawnT0) / 40;
rmSync(root, { recursive: true, force: true });

const n = order.length;
const ms = (x: number) => `${x.toFixed(1)} ms`;
console.log(`worktree mode, ${plan.name}: ${n} tasks, ${nFiles} files written in all, ${rounds} rounds (median; min-max)`);
for (const p of ['create', 'commit', 'merge', 'remove'] as Phase[]) {
  const v = results.map((r) => r.wall[p] / n);
  console.log(`  ${p.padEnd(7)} ${ms(median(v))} per task wall (${ms(Math.min(...v))}-${ms(Math.max(...v))})`);
}
const tot = results.map((r) => r.wallTotal / n);
const cpu = results.map((r) => (r.cpu * 1000) / n);
console.log(`  total   ${ms(median(tot))} per task wall (${ms(Math.min(...tot))}-${ms(Math.max(...tot))}), CPU ${ms(median(cpu))} per task (${ms(Math.min(...cpu))}-${ms(Math.max(...cpu))}; node + git)`);
console.log(`  one git spawn (git --version) from this process: ${ms(spawnWall)} wall, ${ms(spawnCpu)} CPU: a task costs ${(median(cpu) / spawnCpu).toFixed(0)} such spawns of CPU`);
console.log(`  load average at the end: ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`);
