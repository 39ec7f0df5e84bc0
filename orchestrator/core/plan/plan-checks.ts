/**
 * The checks a schema cannot express: unique task ids and agent names, `needs` that name real
 * tasks (not themselves), no cycles, agents in existing quads. They run on the raw document,
 * taking whatever entries are well-formed enough, so that they are reported together with
 * schema errors rather than only after those are fixed.
 */
import type { PlanProblem } from '../errors.js';
import { buildGraph, findCycles } from '../graph/graph.js';
import type { Locator as FullLocator } from './plan-locate.js';
import { GENERIC_AGENTS } from './default-agents.js';
import { parseDuration } from '../text/duration.js';
import { suggest } from './suggest.js';
import { INTERVAL_MAX_MS, INTERVAL_MIN_MS } from '../supervision/health.js';
import { checkLimits } from './plan-limits.js';
import { branchNameProblem } from '../workspace/names.js';
import { parseIdentity } from '../workspace/commit-message.js';

export const MAX_QUADS = 8;

/** What the checks need to place a problem (plan.ts passes a position-less one on its JSON fast path). */
export type Locator = Pick<FullLocator, 'at' | 'lineOf'>;

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const isQuadId = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 1;

export function checkPlan(raw: unknown, loc: Locator): PlanProblem[] {
  if (!isObj(raw)) return [];
  const problems: PlanProblem[] = [];
  checkTasks(raw, loc, problems);
  checkAgents(raw, loc, problems);
  checkLimits(raw, loc, problems);
  const interval = isObj(raw.keep_alive) ? parseDuration(raw.keep_alive.interval) : undefined;
  if (interval !== undefined && (interval < INTERVAL_MIN_MS || interval > INTERVAL_MAX_MS)) {
    problems.push(loc.at(['keep_alive', 'interval'], 'must be between 200ms and 10s'));
  }
  checkGit(raw, loc, problems);
  return problems;
}

function checkTasks(raw: Obj, loc: Locator, problems: PlanProblem[]): void {
  // Tasks whose id is a string; the schema reports the others.
  const tasks = list(raw.tasks).flatMap((t, i) => (isObj(t) && typeof t.id === 'string' ? [{ id: t.id, needs: typeof t.needs === 'string' ? [t.needs] : list(t.needs), i }] : []));
  const first = new Map<string, number>();
  let graphOk = tasks.length === list(raw.tasks).length;
  for (const t of tasks) {
    const prev = first.get(t.id);
    if (prev === undefined) {
      first.set(t.id, t.i);
      continue;
    }
    problems.push(loc.at(['tasks', t.i, 'id'], `duplicate task id '${t.id}' (first defined at line ${loc.lineOf(['tasks', prev, 'id']) ?? '?'})`));
    graphOk = false;
  }
  for (const t of tasks) {
    t.needs.forEach((n, k) => {
      if (typeof n !== 'string') return;
      if (n === t.id) {
        problems.push(loc.at(['tasks', t.i, 'needs', k], `task '${t.id}' needs itself: a task cannot depend on itself`));
        graphOk = false;
      } else if (!first.has(n)) {
        const hint = suggest(n, first.keys());
        // "setup - build": a `- build` indented further than `- setup` continues it as text.
        const joined = n.split(/\s+-\s+/);
        const items = joined.length > 1 && joined.every((j) => first.has(j));
        const why = items ? ` (two list items read as one: the '- ${joined[1]}' under '- ${joined[0]}' is indented further; line them up)` : hint ? ` (did you mean '${hint}'?)` : '';
        problems.push(loc.at(['tasks', t.i, 'needs', k], `needs unknown task '${n}'${why}`));
      }
    });
  }
  // A cycle is only meaningful once ids are unique; unknown needs are left out of the graph.
  if (!graphOk) return;
  const defs = tasks.map((t) => ({ id: t.id, needs: t.needs.filter((n): n is string => typeof n === 'string') }));
  for (const cycle of findCycles(buildGraph(defs))) {
    // Start the printed cycle at the task listed first in the plan, so the message is stable.
    const ring = cycle.slice(0, -1);
    const start = ring.reduce((a, b) => (first.get(b)! < first.get(a)! ? b : a));
    const k = ring.indexOf(start);
    const rotated = [...ring.slice(k), ...ring.slice(0, k), start];
    // Execution order: each task runs before the next, so the start needs the one before it.
    const before = rotated[rotated.length - 2]!;
    const at = first.get(start)!;
    const needIndex = defs[at]!.needs.indexOf(before);
    problems.push(loc.at(['tasks', at, 'needs', ...(needIndex >= 0 ? [needIndex] : [])], `dependency cycle: ${rotated.join(' -> ')}`));
  }
}

function checkAgents(raw: Obj, loc: Locator, problems: PlanProblem[]): void {
  const quadList = Array.isArray(raw.quads) ? raw.quads.filter(isObj) : undefined;
  const quadIds = new Set<number>();
  quadList?.forEach((q, i) => {
    if (!isQuadId(q.id)) return;
    if (quadIds.has(q.id)) problems.push(loc.at(['quads', i, 'id'], `duplicate quad id ${q.id}`));
    if (q.id > MAX_QUADS) problems.push(loc.at(['quads', i, 'id'], `quad ids go from 1 to ${MAX_QUADS}, got ${q.id}`));
    quadIds.add(q.id);
  });
  const known = quadList ? `the plan's quads are ${[...quadIds].sort((a, b) => a - b).join(', ') || 'none'}` : `quads go from 1 to ${MAX_QUADS}`;
  const names = new Map<string, number>();
  const used = new Set<number>();
  let quadsKnown = true;
  list(raw.agents).forEach((a, i) => {
    if (!isObj(a)) return;
    if (typeof a.name === 'string') {
      const prev = names.get(a.name);
      if (prev !== undefined) {
        problems.push(loc.at(['agents', i, 'name'], `duplicate agent name '${a.name}' (first defined at line ${loc.lineOf(['agents', prev, 'name']) ?? '?'})`));
      } else names.set(a.name, i);
    }
    if (!isQuadId(a.quad)) {
      quadsKnown = false; // the schema reports it
      return;
    }
    used.add(a.quad);
    const inRange = quadList ? quadIds.has(a.quad) : a.quad <= MAX_QUADS;
    if (!inRange) problems.push(loc.at(['agents', i, 'quad'], `quad ${a.quad} is out of range: ${known}`));
  });
  if (!quadList) return;
  if (raw.agents === undefined) {
    // Quads listed without agents: the default twelve must fit them.
    const missing = [...new Set(GENERIC_AGENTS.map((a) => a.quad))].filter((q) => !quadIds.has(q));
    if (missing.length) problems.push(loc.at(['quads'], `the default agents use quads 1-3 but ${known}: list the plan's agents too`));
    GENERIC_AGENTS.forEach((a) => used.add(a.quad));
  }
  if (quadsKnown) for (const q of quadIds) if (!used.has(q)) problems.push(loc.at(['quads'], `quad ${q} has no agents`));
}

/** Worktree mode's plan keys: a valid integration branch name, an author as `Name <email>`. */
function checkGit(raw: Obj, loc: Locator, problems: PlanProblem[]): void {
  if (typeof raw.integration === 'string') {
    const why = branchNameProblem(raw.integration);
    if (why) problems.push(loc.at(['integration'], `not a usable branch name: ${why}`));
  }
  if (isObj(raw.git) && typeof raw.git.author === 'string' && !parseIdentity(raw.git.author)) {
    problems.push(loc.at(['git', 'author'], "expected 'Name <email>'"));
  }
}
