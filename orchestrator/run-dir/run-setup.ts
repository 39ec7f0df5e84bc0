/**
 * Preparing a run directory for a plan: the resolved plan copy every process reads, the log
 * folders, and the state — created, resumed (unchanged done tasks stay done) or, with
 * `fresh`, started over after moving the old state aside. The plan copy is written only by
 * the process that won the state (created it, or took it over under the lock).
 */
import { closeSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { APPEND, openPrivate, symlinkRefused } from '../../state/private-file.js';
import { UsageError } from '../core/errors.js';
import { buildContext, type RunContext } from '../core/graph/context.js';
import { distributeAgents, quadNames } from '../core/plan/default-agents.js';
import { initialState } from '../core/run/lifecycle.js';
import { loadPlan, MAX_QUADS } from './load-plan.js';
import type { Plan } from '../core/plan/plan-types.js';
import { commandName } from './command-name.js';
import { onlyTasks } from '../core/plan/only-tasks.js';
import { moveToHistory } from './run-history.js';
import { runPaths, type RunPaths } from './paths.js';
import { taskHashes } from '../core/plan/task-hash.js';
import { isGroupLive } from '../core/run/transitions.js';
import { Draft } from '../core/run/draft.js';
import { writeFileAtomic } from '../../state/atomic-write.js';
import { FileStateStore } from '../../state/store.js';
import { runStoreOptions } from './run-store.js';
import { stillRunning } from '../../workers/os/process-tree.js';
import { prepareWorkspace } from './run-workspace.js';

export interface RunOptions {
  plan?: string;
  runDir: string;
  agents?: number;
  quads?: number;
  fresh?: boolean;
  /** --only: these tasks and what they need. */
  only?: string[];
  /**
   * The keep-alive interval (--interval), over the plan's keep_alive.interval. It goes into the
   * run's plan copy, so every process of the run agrees on it: the monitor (also a control pane
   * or a restarted one) checks at that pace and the workers heartbeat at the matching pace.
   */
  intervalMs?: number;
  /** --agent-path / ORCHESTRATOR_AGENT_PATH: first on the agent CLIs' PATH; kept in the plan copy so every worker (and a tmux pane) uses it. */
  agentPath?: string;
}

/** Applies --agents / --quads: the plan's agents first, spread over the quads. */
export function resolvePlan(plan: Plan, agents?: number, quads?: number): Plan {
  if (agents === undefined && quads === undefined) return plan;
  const q = quads ?? plan.quads.length;
  const n = agents ?? plan.agents.length;
  if (!Number.isInteger(q) || q < 1 || q > MAX_QUADS) throw new UsageError(`--quads must be 1..${MAX_QUADS}, got ${quads}`);
  if (!Number.isInteger(n) || n < q || n > 256) throw new UsageError(`--agents must be ${q}..256 (at least one per quad), got ${agents}`);
  return { ...plan, quads: quadNames(plan.quads, q), agents: distributeAgents(plan.agents, n, q) };
}

/** The plan a run with these options runs: --agents/--quads applied, cut to --only. */
export function planFor(o: RunOptions): Plan {
  const resolved = resolvePlan(loadPlan(o.plan), o.agents, o.quads);
  return o.only?.length ? onlyTasks(resolved, o.only) : resolved;
}

/**
 * The run's folders, created 0700 (logs and state may hold `env` values). A symbolic link in
 * the place of a folder or of a file the run will write is refused by name before anything is
 * written (the files are also opened with O_NOFOLLOW: state/private-file.ts).
 */
export function ensureRunDirs(paths: RunPaths, plan?: Plan): void {
  for (const dir of [paths.stateDir, paths.logsDir, paths.tasksLogDir]) refuseLink(dir);
  mkdirSync(paths.stateDir, { recursive: true, mode: 0o700 });
  mkdirSync(paths.tasksLogDir, { recursive: true, mode: 0o700 });
  const ours = new Set([paths.orchestratorLog, paths.events, paths.keepAliveLog, paths.planCopy]);
  for (const a of plan?.agents ?? []) ours.add(paths.agentLog(a.name));
  for (const t of plan?.tasks ?? []) ours.add(paths.taskLog(t.id));
  // One listing per folder, not a stat per file: a plan may have many thousands of tasks.
  for (const dir of [paths.stateDir, paths.logsDir, paths.tasksLogDir]) {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const file = join(dir, e.name);
      if (e.isSymbolicLink() && ours.has(file)) throw symlinkRefused(file);
    }
  }
}

function refuseLink(path: string): void {
  let st;
  try {
    st = lstatSync(path);
  } catch {
    return; // not there yet: created below
  }
  if (st.isSymbolicLink()) throw symlinkRefused(path);
}

// In its own module so that worker processes can read it without loading the plan parser.
import { readRunPlan } from './run-plan.js';
export { readRunPlan };

/**
 * A run directory holds one run: a plan other than the one it was started with is refused
 * (never a silent replace), with the two ways out.
 */
async function refuseOtherPlan(paths: RunPaths, plan: Plan): Promise<void> {
  const earlier = FileStateStore.exists(paths.stateDir) ? await planOfExistingRun(paths) : undefined;
  if (!earlier || earlier.name === plan.name) return;
  throw new UsageError(
    `${paths.runDir} holds a run of plan '${earlier.name}' (${earlier.file}); '${plan.name}' is a different plan.\n` +
      `  start over with '${plan.name}' here:  add --fresh (the earlier run's state and logs go to .orchestrator/history/)\n` +
      `  keep both runs:                 add --run-dir DIR (a directory of its own for this one)`,
  );
}

/** How long a run whose state exists may take to write its plan copy (see prepareState). */
const PLAN_COPY_WAIT_MS = 5000;

/**
 * The plan of the run whose state exists. A run started at the same moment may have created
 * the state and not yet written its plan copy (it does so right after, below): its copy is
 * waited for, so this run is told that a run is in progress rather than "no run prepared".
 * A copy still missing after that is a damaged run, reported as such by readRunPlan.
 */
async function planOfExistingRun(paths: RunPaths): Promise<Plan> {
  const until = Date.now() + PLAN_COPY_WAIT_MS;
  while (!existsSync(paths.planCopy) && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
  return readRunPlan(paths);
}

export interface PreparedRun {
  plan: Plan;
  ctx: RunContext;
  store: FileStateStore;
  paths: RunPaths;
  resumed: boolean;
  movedAside?: string;
  /** What setting up the run did that the user should hear about (worktree mode). */
  notes: string[];
}

/** The name of the plan an existing state was run with (its task branches carry it). */
function oldPlanName(paths: RunPaths): string | undefined {
  try {
    return readRunPlan(paths).name;
  } catch {
    return undefined;
  }
}

export async function prepareRun(o: RunOptions): Promise<PreparedRun> {
  const prepared = await prepareState(o);
  // Listed in the README as one of the run's files: there from the start, empty until an alert.
  // Created once the state is written, so a read-only run directory is reported as the state's.
  closeSync(openPrivate(prepared.paths.keepAliveLog, APPEND));
  return prepared;
}

async function prepareState(o: RunOptions): Promise<PreparedRun> {
  const paths = runPaths(o.runDir);
  const resolved = planFor(o);
  const withInterval = o.intervalMs === undefined ? resolved : { ...resolved, keepAliveIntervalMs: o.intervalMs };
  const agentPath = o.agentPath ?? process.env.ORCHESTRATOR_AGENT_PATH;
  const asked = agentPath ? { ...withInterval, agentPath: resolve(agentPath) } : withInterval;
  if (!o.fresh) await refuseOtherPlan(paths, asked);
  const fresh = !!o.fresh || !FileStateStore.exists(paths.stateDir);
  const { plan, notes } = await prepareWorkspace(asked, paths, fresh, existsSync(paths.planCopy) ? oldPlanName(paths) : undefined);
  if (o.fresh && notes.length) notes.unshift(`--fresh: removing the previous run's task worktrees and branches`);
  const movedAside = o.fresh ? moveToHistory(paths) : undefined;
  ensureRunDirs(paths, plan);
  const opts = runStoreOptions(paths);
  const now = Date.now();
  if (!FileStateStore.exists(paths.stateDir)) {
    const ctx = buildContext(plan);
    const state = initialState(ctx, taskHashes(plan, ctx.graph), now);
    // The plan copy is written only by the process that created the state (create refuses
    // under the lock when another `run` was first): a losing run must not replace the
    // winner's copy, which its workers read.
    const store = await FileStateStore.create(paths.stateDir, state, opts).catch((e: unknown) => {
      if (FileStateStore.exists(paths.stateDir)) throw new UsageError(`another run was started in ${o.runDir} at the same moment and created its state first; stop it first (orchestrator stop) or use another --run-dir`);
      throw e;
    });
    writeFileAtomic(paths.planCopy, JSON.stringify(plan));
    await store.transaction(() => ({ value: null, events: [{ ts: now, type: 'run-started', reason: `run ${state.meta.runId} of ${plan.name}` }] }));
    return { plan, ctx, store, paths, resumed: false, movedAside, notes };
  }
  const store = new FileStateStore(paths.stateDir, opts);
  await store.open();
  let ctx!: RunContext;
  await store.transaction((prev) => {
    const d = new Draft(prev, now);
    // A live run is not taken over: a group with a fresh heartbeat (also one still starting,
    // as right after another `run` created the state) or a live monitor of another process.
    const live = Object.values(prev.groups).filter((g) => isGroupLive(d, g.quad) && g.pid !== process.pid);
    const monitor = liveMonitor(paths.stateDir);
    if (prev.meta.status === 'running' && (live.length || (monitor && monitor.pid !== process.pid))) {
      const who = [...(monitor && monitor.pid !== process.pid ? [`monitor pid ${monitor.pid}`] : []), ...live.map((g) => (g.pid ? `worker pid ${g.pid}` : `quad ${g.quad} starting`))];
      throw new UsageError(`a run is already in progress in ${o.runDir} (${who.join(', ')}); stop it first (${commandName('stop')}) or use another --run-dir`);
    }
    ctx = buildContext(plan, prev.meta.learned);
    const state = initialState(ctx, taskHashes(plan, ctx.graph), now, prev);
    ctx = buildContext(plan, state.meta.learned);
    writeFileAtomic(paths.planCopy, JSON.stringify(plan));
    return { ops: [{ op: 'replace', v: state }], events: [{ ts: now, type: 'run-started', reason: `resumed run of ${plan.name}` }], value: null };
  });
  return { plan, ctx, store, paths, resumed: true, movedAside, notes };
}

/**
 * The live keep-alive monitor of the run, from its role file (pid and start time, written by
 * supervisors/roles.ts; read here directly, run-dir sits below the supervisors).
 */
function liveMonitor(stateDir: string): { pid: number } | undefined {
  try {
    const h = JSON.parse(readFileSync(join(stateDir, 'keep-alive.pid'), 'utf8')) as { pid?: unknown; start?: unknown };
    if (typeof h.pid !== 'number' || h.pid <= 0) return undefined;
    const holder = { pid: h.pid, start: typeof h.start === 'number' ? h.start : undefined };
    return stillRunning(holder) ? holder : undefined;
  } catch {
    return undefined;
  }
}
