/**
 * Loading a plan: read, parse YAML/JSON with positions, validate with zod, then check the
 * graph. Every problem is collected (not only the first) and thrown as one PlanError.
 */
import { readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { LineCounter, parseDocument, isMap, isSeq, type Document, type Node as YamlNode } from 'yaml';
import type { $ZodIssue } from 'zod/v4/core';
import { PlanError, type PlanProblem } from './errors.js';
import { parseDuration } from './duration.js';
import { suggest } from './suggest.js';
import { KNOWN_KEYS, planSchema, type RawPlan } from './plan-schema.js';
import { buildGraph, findCycles } from './graph.js';
import { DEFAULT_AGENTS, DEFAULT_QUADS, quadNames } from './default-agents.js';
import type { Plan, TaskDef } from './plan-types.js';
import { DEFAULT_PLAN } from './paths.js';

export const MAX_PLAN_BYTES = 8 * 1024 * 1024;
export const MAX_QUADS = 8;
const MAX_ALIASES = 1000;
export const DEFAULT_TIMEOUT_MS = 10 * 60_000;
export const DEFAULT_KEEPALIVE_MS = 2000;


type Path = ReadonlyArray<PropertyKey>;

class Locator {
  constructor(private doc: Document, private lines: LineCounter, private file: string, private raw: unknown) {}

  /** Problem at a path of the document; `onKey` points at the key rather than the value. */
  at(path: Path, message: string, onKey = false): PlanProblem {
    const p: PlanProblem = { file: this.file, message };
    const offset = this.offset(path, onKey);
    if (offset !== undefined) Object.assign(p, this.lines.linePos(offset));
    if (path[0] === 'tasks' && typeof path[1] === 'number') {
      const t = (this.raw as { tasks?: Array<{ id?: unknown }> })?.tasks?.[path[1]];
      p.task = typeof t?.id === 'string' ? t.id : `#${path[1] + 1}`;
      if (path.length > 2) p.field = path.slice(2).join('.');
    } else if (path.length) {
      p.field = path.join('.');
    }
    return p;
  }

  private offset(path: Path, onKey: boolean): number | undefined {
    let node: unknown = this.doc.contents;
    let keyNode: YamlNode | undefined;
    for (const seg of path) {
      if (isMap(node)) {
        const pair = node.items.find((it) => String((it.key as { value?: unknown })?.value ?? it.key) === String(seg));
        if (!pair) break;
        keyNode = pair.key as YamlNode;
        node = pair.value;
      } else if (isSeq(node) && typeof seg === 'number') {
        keyNode = undefined;
        node = node.items[seg];
      } else break;
    }
    const target = (onKey && keyNode) || (node as YamlNode | undefined);
    return target?.range?.[0];
  }
}

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

/** Parses and validates plan text; `file` only labels messages and resolves nothing. */
export function parsePlan(text: string, file: string): Plan {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const syntax = [...doc.errors];
  if (syntax.length) {
    throw new PlanError(
      syntax.map((e) => ({ file, ...lines.linePos(e.pos[0]), message: `YAML syntax error: ${e.message.split('\n')[0]}` })),
    );
  }
  let raw: unknown;
  try {
    raw = doc.toJS({ maxAliasCount: MAX_ALIASES });
  } catch (e) {
    throw new PlanError([{ file, message: `the YAML cannot be expanded: ${(e as Error).message} (alias expansion is limited)` }]);
  }
  const loc = new Locator(doc, lines, file, raw);
  const parsed = planSchema.safeParse(raw);
  if (!parsed.success) throw new PlanError(parsed.error.issues.flatMap((i) => describeIssue(i, loc, raw)));
  const problems: PlanProblem[] = [];
  const plan = normalise(parsed.data, file, loc, problems);
  if (problems.length) throw new PlanError(problems);
  return plan;
}

function keysFor(path: Path): string[] {
  if (path.length === 0) return KNOWN_KEYS.plan;
  if (path[0] === 'tasks') return KNOWN_KEYS.task;
  if (path[0] === 'agents') return KNOWN_KEYS.agent;
  if (path[0] === 'quads') return KNOWN_KEYS.quad;
  if (path[0] === 'defaults') return KNOWN_KEYS.defaults;
  if (path[0] === 'keep_alive') return KNOWN_KEYS.keep_alive;
  return [];
}

function typeName(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'a list' : typeof v === 'object' ? 'a mapping' : `${typeof v} ${JSON.stringify(v)}`;
}

function valueAt(raw: unknown, path: Path): unknown {
  let v: unknown = raw;
  for (const seg of path) v = v && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[seg] : undefined;
  return v;
}

function describeIssue(issue: $ZodIssue, loc: Locator, raw: unknown): PlanProblem[] {
  const path = issue.path;
  if (issue.code === 'unrecognized_keys') {
    const known = keysFor(path);
    return issue.keys.map((k) => {
      const hint = suggest(k, known);
      return loc.at([...path, k], `unknown field '${k}'${hint ? ` (did you mean '${hint}'?)` : ''}`, true);
    });
  }
  const actual = valueAt(raw, path);
  if (issue.code === 'invalid_type' || issue.code === 'invalid_union') {
    if (actual === undefined) return [loc.at(path.slice(0, -1), `missing required field '${String(path[path.length - 1])}'`)];
    const expected = issue.code === 'invalid_type' ? issue.expected : 'a string or a list of strings';
    return [loc.at(path, `expected ${expected}, got ${typeName(actual)}`)];
  }
  if (issue.code === 'invalid_value' && path[path.length - 1] === 'version') {
    return [loc.at(path, `unsupported version ${JSON.stringify(actual)}: this orchestrator reads version 1`)];
  }
  return [loc.at(path, issue.message)];
}

function normalise(raw: RawPlan, file: string, loc: Locator, problems: PlanProblem[]): Plan {
  const agents = (raw.agents ?? DEFAULT_AGENTS).map((a) => ({ name: a.name, quad: a.quad, roles: a.roles ?? [] }));
  // Agents without a quads list: the quads are 1..the highest one they name.
  const highest = Math.min(MAX_QUADS, Math.max(1, ...agents.map((a) => (Number.isInteger(a.quad) ? a.quad : 1))));
  const quads = raw.quads ?? quadNames(DEFAULT_QUADS, raw.agents ? highest : DEFAULT_QUADS.length);
  checkQuadsAndAgents(raw, quads, agents, loc, problems);

  const defTimeout = parseDuration(raw.defaults?.timeout) ?? DEFAULT_TIMEOUT_MS;
  const defRetries = raw.defaults?.retries ?? 0;
  const tasks: TaskDef[] = raw.tasks.map((t, index) => ({
    id: t.id,
    title: t.title ?? t.id,
    needs: t.needs ?? [],
    ...(t.role !== undefined && { role: t.role }),
    run: t.run,
    ...(t.verify !== undefined && { verify: t.verify }),
    env: Object.fromEntries(Object.entries(t.env ?? {}).map(([k, v]) => [k, String(v)])),
    timeoutMs: parseDuration(t.timeout) ?? defTimeout,
    retries: t.retries ?? defRetries,
    pty: t.pty ?? false,
    index,
    ...(t.estimate !== undefined && { estimateMs: parseDuration(t.estimate)! }),
  }));
  checkTasks(tasks, loc, problems);

  const interval = parseDuration(raw.keep_alive?.interval) ?? DEFAULT_KEEPALIVE_MS;
  if (interval < 200 || interval > 10_000) {
    problems.push(loc.at(['keep_alive', 'interval'], 'must be between 200ms and 10s'));
  }
  return {
    version: 1,
    name: raw.name,
    ...(raw.description !== undefined && { description: raw.description }),
    workdir: raw.workdir ?? '.',
    quads,
    agents,
    tasks,
    keepAliveIntervalMs: interval,
    ...(raw.alert_command !== undefined && { alertCommand: raw.alert_command }),
    file,
  };
}

function checkQuadsAndAgents(raw: RawPlan, quads: Plan['quads'], agents: Plan['agents'], loc: Locator, problems: PlanProblem[]): void {
  const quadIds = new Set<number>();
  quads.forEach((q, i) => {
    if (quadIds.has(q.id)) problems.push(loc.at(['quads', i, 'id'], `duplicate quad id ${q.id}`));
    if (q.id > MAX_QUADS) problems.push(loc.at(['quads', i, 'id'], `quad ids go from 1 to ${MAX_QUADS}`));
    quadIds.add(q.id);
  });
  const names = new Map<string, number>();
  agents.forEach((a, i) => {
    const prev = names.get(a.name);
    if (prev !== undefined) problems.push(loc.at(['agents', i, 'name'], `duplicate agent name '${a.name}' (first at agent #${prev + 1})`));
    else names.set(a.name, i);
    if (!quadIds.has(a.quad)) {
      problems.push(loc.at(['agents', i, 'quad'], `quad ${a.quad} is out of range: the plan's quads are ${[...quadIds].sort().join(', ')}`));
    }
  });
  if (raw.quads && !problems.length) {
    for (const q of quadIds) {
      if (!agents.some((a) => a.quad === q)) problems.push(loc.at(['quads'], `quad ${q} has no agents`));
    }
  }
}

function checkTasks(tasks: TaskDef[], loc: Locator, problems: PlanProblem[]): void {
  const first = new Map<string, number>();
  tasks.forEach((t, i) => {
    const prev = first.get(t.id);
    if (prev !== undefined) problems.push(loc.at(['tasks', i, 'id'], `duplicate task id '${t.id}' (first defined as task #${prev + 1})`));
    else first.set(t.id, i);
  });
  let edgesOk = true;
  tasks.forEach((t, i) => {
    t.needs.forEach((n, k) => {
      if (n === t.id) {
        problems.push(loc.at(['tasks', i, 'needs', k], `task '${t.id}' cannot need itself`));
        edgesOk = false;
      } else if (!first.has(n)) {
        const hint = suggest(n, first.keys());
        problems.push(loc.at(['tasks', i, 'needs', k], `needs unknown task '${n}'${hint ? ` (did you mean '${hint}'?)` : ''}`));
      }
    });
  });
  if (!edgesOk || first.size !== tasks.length) return;
  for (const cycle of findCycles(buildGraph(tasks))) {
    const at = first.get(cycle[0]!)!;
    problems.push(loc.at(['tasks', at, 'needs'], `dependency cycle: ${cycle.join(' -> ')}`));
  }
}
