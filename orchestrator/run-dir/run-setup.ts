/**
 * Preparing a run directory for a plan: the resolved plan copy every process reads, the log
 * folders, and the state — created, resumed (unchanged done tasks stay done) or, with
 * `fresh`, started over after moving the old state aside.
 */
import { existsSync, mkdirSync, renameSync } from 'node:fs';
import { resolve } from 'node:path';
import { UsageError } from '../core/errors.js';
import { buildContext, type RunContext } from '../core/graph/context.js';
import { distributeAgents, quadNames } from '../core/plan/default-agents.js';
import { initialState } from '../core/run/lifecycle.js';
import { loadPlan, MAX_QUADS } from './load-plan.js';
import type { Plan } from '../core/plan/plan-types.js';
import { runPaths, type RunPaths } from './paths.js';
import { taskHashes } from '../core/plan/task-hash.js';
import { isGroupLive } from '../core/run/transitions.js';
import { Draft } from '../core/run/draft.js';
import { writeFileAtomic } from '../../state/atomic-write.js';
import { ASIDE_INFIX, FileStateStore } from '../../state/store.js';
import { runStoreOptions } from './run-store.js';
import { prepareWorkspace } from './run-workspace.js';
import { readRunPlan } from './run-plan.js';

export interface RunOptions {
  plan?: string;
  runDir: string;
  agents?: number;
  quads?: number;
  fresh?: boolean;
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

export function ensureRunDirs(paths: RunPaths): void {
  mkdirSync(paths.stateDir, { recursive: true, mode: 0o700 });
  mkdirSync(paths.tasksLogDir, { recursive: true });
}

// In its own module so that worker processes can read it without loading the plan parser.
export { readRunPlan } from './run-plan.js';

export function moveAside(path: string): string | undefined {
  if (!existsSync(path)) return undefined;
  const dest = `${path}${ASIDE_INFIX}${new Date().toISOString().replace(/[:.]/g, '-')}`;
  renameSync(path, dest);
  return dest;
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
  const paths = runPaths(o.runDir);
  const resolved = resolvePlan(loadPlan(o.plan), o.agents, o.quads);
  const withInterval = o.intervalMs === undefined ? resolved : { ...resolved, keepAliveIntervalMs: o.intervalMs };
  const agentPath = o.agentPath ?? process.env.ORCHESTRATOR_AGENT_PATH;
  const asked = agentPath ? { ...withInterval, agentPath: resolve(agentPath) } : withInterval;
  const fresh = !!o.fresh || !FileStateStore.exists(paths.stateDir);
  const { plan, notes } = await prepareWorkspace(asked, paths, fresh, existsSync(paths.planCopy) ? oldPlanName(paths) : undefined);
  if (o.fresh && notes.length) notes.unshift(`--fresh: removing the previous run's task worktrees and branches`);
  const movedAside = o.fresh ? moveAside(paths.stateDir) : undefined;
  ensureRunDirs(paths);
  const opts = runStoreOptions(paths);
  const now = Date.now();
  if (!FileStateStore.exists(paths.stateDir)) {
    const ctx = buildContext(plan);
    const state = initialState(ctx, taskHashes(plan, ctx.graph), now);
    writeFileAtomic(paths.planCopy, JSON.stringify(plan));
    const store = await FileStateStore.create(paths.stateDir, state, opts);
    await store.transaction(() => ({ value: null, events: [{ ts: now, type: 'run-started', reason: `run ${state.meta.runId} of ${plan.name}` }] }));
    return { plan, ctx, store, paths, resumed: false, movedAside, notes };
  }
  const store = new FileStateStore(paths.stateDir, opts);
  await store.open();
  let ctx!: RunContext;
  await store.transaction((prev) => {
    const d = new Draft(prev, now);
    const live = Object.values(prev.groups).filter((g) => g.status === 'running' && isGroupLive(d, g.quad) && g.pid !== process.pid);
    if (prev.meta.status === 'running' && live.length) {
      throw new UsageError(`a run is already in progress in ${o.runDir} (worker pids ${live.map((g) => g.pid).join(', ')}); stop it first (orchestrator stop) or use another --run-dir`);
    }
    ctx = buildContext(plan, prev.meta.learned);
    const state = initialState(ctx, taskHashes(plan, ctx.graph), now, prev);
    ctx = buildContext(plan, state.meta.learned);
    writeFileAtomic(paths.planCopy, JSON.stringify(plan));
    return { ops: [{ op: 'replace', v: state }], events: [{ ts: now, type: 'run-started', reason: `resumed run of ${plan.name}` }], value: null };
  });
  return { plan, ctx, store, paths, resumed: true, movedAside, notes };
}
