/**
 * Loading a plan: read, parse YAML/JSON with positions, validate with zod, then check the
 * graph. Every problem is collected (not only the first) and thrown as one PlanError.
 */
import { readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { CORE_SCHEMA, load as loadYamlFast } from 'js-yaml';
import { PlanError, type PlanProblem } from '../core/errors.js';
import { parseDuration } from '../core/text/duration.js';
import { planSchema, type RawPlan } from '../core/plan/plan-schema.js';
import { checkPlan, MAX_QUADS } from '../core/plan/plan-checks.js';
import { describeIssue, syntaxProblems } from '../core/plan/plan-issues.js';
import { Locator } from '../core/plan/plan-locate.js';
import { collapseShifted } from '../core/plan/plan-shifted.js';
import { yamlReader } from '../core/plan/yaml-reader.js';
import { GENERIC_AGENTS, GENERIC_QUADS, quadNames } from '../core/plan/default-agents.js';
import type { GitSettings, Plan, TaskDef } from '../core/plan/plan-types.js';
import { countKeys, MAX_PLAN_DEPTH, scanPlanText, type TextScan } from '../core/plan/plan-guard.js';
import { YamlSpans } from '../core/plan/plan-fast-locate.js';
import { defaultIntegration } from '../core/workspace/names.js';
import { DEFAULT_IDENTITY, parseIdentity } from '../core/workspace/commit-message.js';
import { DEFAULT_PLAN } from './paths.js';
import { agentPresets, agentSpec, checkAgentParts } from './plan-agents.js';

const agentChecksFail = (raw: unknown, file: string) => !!raw && typeof raw === 'object' && checkAgentParts(raw as Record<string, unknown>, { at: (_p: unknown, message: string) => ({ file, message }), lineOf: () => undefined }, file).length > 0;

export { MAX_QUADS };
export const MAX_PLAN_BYTES = 8 * 1024 * 1024;
/**
 * Plans larger than this are never given to the full `yaml` parser (about 100 µs and several
 * KB per task): their problems are placed from js-yaml's node positions (plan-fast-locate.ts).
 */
export const FULL_PARSER_MAX_BYTES = 1024 * 1024;
/** Alias expansions allowed (weighted by what each alias expands to): stops "billion laughs". */
const MAX_ALIASES = 1000;
export const DEFAULT_TIMEOUT_MS = 10 * 60_000;
export const DEFAULT_KEEPALIVE_MS = 2000;

export function loadPlan(file: string = DEFAULT_PLAN): Plan {
  const abs = resolve(file);
  let text: string;
  try {
    const size = statSync(abs).size;
    if (size > MAX_PLAN_BYTES) {
      throw new PlanError([{ file: abs, message: `the file is ${size} bytes; plans are limited to ${MAX_PLAN_BYTES} bytes` }]);
    }
    text = readFileSync(abs, 'utf8');
  } catch (e) {
    if (e instanceof PlanError) throw e;
    throw new PlanError([{ file: abs, message: `cannot read the plan: ${(e as Error).message}` }]);
  }
  return parsePlan(text, abs);
}

/**
 * Parses and validates plan text; `file` only labels messages and resolves nothing. The text's
 * nesting is checked before any parser sees it (plan-guard.ts), and a parser that still runs
 * out of stack is a plan error, never a crash.
 */
export function parsePlan(text: string, file: string): Plan {
  const scan = scanPlanText(text);
  if (scan.at) {
    throw new PlanError([{ file, ...scan.at, message: `the plan nests deeper than ${MAX_PLAN_DEPTH} levels (a plan needs about 6); refused before parsing` }]);
  }
  try {
    // A large YAML plan is read once, with positions kept for its problems, if any.
    if (text.length > FULL_PARSER_MAX_BYTES && !/^\s*\{/.test(text)) return parseLarge(text, file);
    return parseFast(text, file, scan) ?? (text.length <= FULL_PARSER_MAX_BYTES ? parseYaml(text, file) : parseLarge(text, file));
  } catch (e) {
    if (e instanceof RangeError) throw new PlanError([{ file, message: `the plan cannot be read: it nests too deeply (${e.message})` }]);
    throw e;
  }
}

/** A large plan with a problem: located from js-yaml's node positions instead of the full parser. */
function parseLarge(text: string, file: string): Plan {
  const spans = new YamlSpans();
  let raw: unknown;
  try {
    raw = loadYamlFast(text, { schema: CORE_SCHEMA, json: false, listener: spans.listener });
  } catch (e) {
    const m = (e as { mark?: { line: number; column: number }; reason?: string }).mark;
    const reason = (e as { reason?: string }).reason ?? (e as Error).message;
    throw new PlanError([{ file, ...(m ? { line: m.line + 1, col: m.column + 1 } : {}), message: `YAML syntax error: ${reason}` }]);
  }
  // Aliases need the full parser's expansion limit ("billion laughs"), whatever the size.
  if (hasSharedNodes(raw)) return parseYaml(text, file);
  const loc = spans.locator(text, file, raw);
  const parsed = planSchema.safeParse(raw);
  const problems: PlanProblem[] = parsed.success ? [] : parsed.error.issues.flatMap((i) => describeIssue(i, loc, raw));
  problems.push(...checkPlan(raw, loc));
  if (problems.length || !parsed.success) throw new PlanError(inFileOrder(collapseShifted(problems, raw, loc)));
  return normalise(parsed.data, file);
}

/**
 * The `yaml` parser keeps positions for precise messages but costs about 100 µs per task (1 s
 * for 10 000); JSON.parse and js-yaml cost a tenth of that or less. Positions only matter when
 * something is wrong, so a plan that validates is taken from here, and any plan with a problem
 * (or anything unusual: aliases, custom tags, duplicate keys) is read again through `yaml` for
 * its messages. (In JSON a repeated key is last-wins, as in JSON.parse.)
 */
function parseFast(text: string, file: string, scan: TextScan): Plan | undefined {
  let raw: unknown;
  const json = /^\s*\{/.test(text);
  try {
    raw = json ? JSON.parse(text) : loadYamlFast(text, { schema: CORE_SCHEMA, json: false });
  } catch {
    return undefined;
  }
  // JSON.parse keeps the last of repeated keys without a word: fewer keys than the text holds
  // means a repeated one, which the slower readers report with its place.
  if (json && countKeys(raw) !== scan.jsonKeys) return undefined;
  if (hasSharedNodes(raw)) return undefined;
  const parsed = planSchema.safeParse(raw);
  if (!parsed.success || agentChecksFail(raw, file) || checkPlan(raw, { at: (_p, message) => ({ file, message }), lineOf: () => undefined }).length) return undefined;
  return normalise(parsed.data, file);
}

/**
 * js-yaml resolves an alias to the same object: a node reached twice means aliases, which the
 * full parser weighs against its expansion limit ("billion laughs") — leave those to it.
 */
function hasSharedNodes(root: unknown): boolean {
  const seen = new Set<object>();
  const stack: unknown[] = [root];
  while (stack.length) {
    const v = stack.pop();
    if (v === null || typeof v !== 'object') continue;
    if (seen.has(v)) return true;
    seen.add(v);
    for (const child of Array.isArray(v) ? v : Object.values(v)) stack.push(child);
  }
  return false;
}

/** The full parser (positions for every message); also what the fast path is checked against. */
export function parseYaml(text: string, file: string): Plan {
  const { LineCounter, parseDocument } = yamlReader();
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const loc = new Locator(doc, lines, file);
  if (doc.errors.length) throw new PlanError(syntaxProblems(doc, text, loc));
  const tags = unknownTags(doc, loc);
  if (tags.length) throw new PlanError(tags);
  let raw: unknown;
  try {
    raw = doc.toJS({ maxAliasCount: MAX_ALIASES });
  } catch (e) {
    throw new PlanError([{ file, message: `the YAML cannot be expanded: ${(e as Error).message} (aliases may expand to at most ${MAX_ALIASES} nodes)` }]);
  }
  const parsed = planSchema.safeParse(raw);
  const problems: PlanProblem[] = parsed.success ? [] : parsed.error.issues.flatMap((i) => describeIssue(i, loc, raw));
  problems.push(...checkPlan(raw, loc));
  if (raw && typeof raw === 'object') problems.push(...checkAgentParts(raw as Record<string, unknown>, loc, file));
  if (problems.length || !parsed.success) throw new PlanError(inFileOrder(collapseShifted(problems, raw, loc)));
  return normalise(parsed.data, file);
}

/** The tags a plan may carry: YAML's core types. Anything else (`!!js/function`, `!foo`) is refused, not read as text. */
const CORE_TAGS = new Set(['str', 'int', 'float', 'bool', 'null', 'map', 'seq'].map((t) => `tag:yaml.org,2002:${t}`));

function unknownTags(doc: ReturnType<ReturnType<typeof yamlReader>['parseDocument']>, loc: Locator): PlanProblem[] {
  const out: PlanProblem[] = [];
  const { visit } = yamlReader();
  visit(doc, (_key, node, path) => {
    const tag = (node as { tag?: string }).tag;
    const range = (node as { range?: [number, number, number] }).range;
    if (!tag || CORE_TAGS.has(tag) || !range) return;
    const shown = tag.startsWith('tag:yaml.org,2002:') ? `!!${tag.slice('tag:yaml.org,2002:'.length)}` : tag;
    out.push(loc.atOffset(range[0], `unknown YAML tag '${shown}': a plan holds plain values only (strings, numbers, booleans, lists, mappings)`));
    void path;
  });
  return out;
}

/** Problems as they appear in the file (whole-file ones first), so the list reads top to bottom. */
function inFileOrder(problems: PlanProblem[]): PlanProblem[] {
  return problems
    .map((p, i) => ({ p, i }))
    .sort((a, b) => (a.p.line ?? 0) - (b.p.line ?? 0) || (a.p.col ?? 0) - (b.p.col ?? 0) || a.i - b.i)
    .map(({ p }) => p);
}

function normalise(raw: RawPlan, file: string): Plan {
  const agents = (raw.agents ?? GENERIC_AGENTS).map((a) => ({ name: a.name, quad: a.quad, roles: a.roles ?? [], ...('cli' in a && a.cli !== undefined && { cli: a.cli }) }));
  // Agents without a quads list: the quads are 1..the highest one they name.
  const highest = Math.max(1, ...agents.map((a) => a.quad));
  const quads = raw.quads ?? quadNames([], raw.agents ? highest : GENERIC_QUADS);
  const defTimeout = parseDuration(raw.defaults?.timeout) ?? DEFAULT_TIMEOUT_MS;
  const defRetries = raw.defaults?.retries ?? 0;
  const tasks: TaskDef[] = raw.tasks.map((t, index) => ({
    id: t.id,
    title: t.title ?? t.id,
    needs: typeof t.needs === 'string' ? [t.needs] : t.needs ?? [],
    ...(t.role !== undefined && { role: t.role }),
    ...(t.run !== undefined && { run: t.run }),
    ...(t.agent && { agent: agentSpec(t, raw, agents, file) }),
    ...(t.verify !== undefined && { verify: t.verify }),
    env: Object.fromEntries(Object.entries(t.env ?? {}).map(([k, v]) => [k, String(v)])),
    timeoutMs: parseDuration(t.timeout) ?? defTimeout,
    retries: t.retries ?? defRetries,
    pty: t.pty ?? false,
    index,
    ...(t.estimate !== undefined && { estimateMs: parseDuration(t.estimate)! }),
    ...((t.workspace ?? raw.workspace) === 'worktree' && { workspace: 'worktree' as const }),
  }));
  const git = gitSettings(raw, tasks);
  return {
    version: 1,
    name: raw.name,
    ...(raw.description !== undefined && { description: raw.description }),
    workdir: raw.workdir ?? '.',
    quads,
    agents,
    tasks,
    keepAliveIntervalMs: parseDuration(raw.keep_alive?.interval) ?? DEFAULT_KEEPALIVE_MS,
    ...(raw.alert_command !== undefined && { alertCommand: raw.alert_command }),
    ...(git && { git }),
    ...(raw.agent_presets && { agentPresets: agentPresets(raw) }),
    ...(raw.budget?.tokens !== undefined && { budgetTokens: raw.budget.tokens }),
    file,
  };
}

/** Worktree mode's settings, only when some task runs in a worktree. */
function gitSettings(raw: RawPlan, tasks: TaskDef[]): GitSettings | undefined {
  if (!tasks.some((t) => t.workspace === 'worktree')) return undefined;
  const g = raw.git === 'init' ? { init: true } : raw.git;
  return {
    init: g?.init ?? false,
    integration: raw.integration ?? defaultIntegration(raw.name),
    author: (g?.author !== undefined && parseIdentity(g.author)) || DEFAULT_IDENTITY,
  };
}

/**
 * A problem with worktree mode found when a run starts (the workdir is no repository), placed
 * on the `workspace: worktree` that asks for it: the plan's own, else the first task's.
 */
export function workspaceProblem(file: string, message: string): PlanProblem {
  let text = '';
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return { file, message };
  }
  const { LineCounter, parseDocument } = yamlReader();
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines });
  const tasks = doc.getIn(['tasks']) as { items?: unknown[] } | undefined;
  let path: (string | number)[] = ['workspace'];
  if (doc.getIn(['workspace']) !== 'worktree') {
    const i = (tasks?.items ?? []).findIndex((_t, k) => doc.getIn(['tasks', k, 'workspace']) === 'worktree');
    if (i >= 0) path = ['tasks', i, 'workspace'];
  }
  return new Locator(doc, lines, file).at(path, message);
}
