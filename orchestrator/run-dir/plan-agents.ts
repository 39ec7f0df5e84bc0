/**
 * The `agent:` side of a plan: checks a schema cannot express (run or agent, a known CLI with a
 * did-you-mean, a prompt or an existing prompt file, preset patterns that compile) and the
 * normalisation into AgentSpecs. Prompt files are read here, relative to the plan, so a worker
 * needs nothing but the run's plan copy.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { PlanProblem } from '../core/errors.js';
import type { Locator } from '../core/plan/plan-checks.js';
import { parseDuration } from '../core/text/duration.js';
import { suggest } from '../core/plan/suggest.js';
import type { RawPlan } from '../core/plan/plan-schema.js';
import { BUILTIN_CLIS } from '../core/agents/events.js';
import { DEFAULT_LIMIT_MARGIN_MS, DEFAULT_STALL, type AgentPreset, type AgentSpec } from '../core/agents/spec.js';
import type { AgentDef } from '../core/plan/plan-types.js';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

export function knownClis(raw: Obj): string[] {
  return [...BUILTIN_CLIS, ...(isObj(raw.agent_presets) ? Object.keys(raw.agent_presets) : [])];
}

function cliProblem(cli: unknown, known: string[], loc: Locator, path: PropertyKey[]): PlanProblem | undefined {
  if (typeof cli !== 'string' || known.includes(cli)) return undefined;
  const hint = suggest(cli, known);
  return loc.at(path, `unknown agent CLI '${cli}'${hint ? ` (did you mean '${hint}'?)` : ''}: use ${BUILTIN_CLIS.join(', ')} or a name from agent_presets`);
}

/** `file`: the plan file (prompt files are relative to it). */
export function checkAgentParts(raw: Obj, loc: Locator, file: string): PlanProblem[] {
  const problems: PlanProblem[] = [];
  const known = knownClis(raw);
  const agents = list(raw.agents).filter(isObj);
  agents.forEach((a, i) => {
    const p = cliProblem(a.cli, known, loc, ['agents', i, 'cli']);
    if (p) problems.push(p);
  });
  if (isObj(raw.agent_presets)) {
    for (const [name, preset] of Object.entries(raw.agent_presets)) {
      if (!isObj(preset)) continue;
      for (const key of ['limit_patterns', 'input_patterns']) {
        list(preset[key]).forEach((pat, k) => {
          if (typeof pat !== 'string') return;
          try {
            new RegExp(pat);
          } catch (e) {
            problems.push(loc.at(['agent_presets', name, key, k], `not a valid regular expression: ${(e as Error).message}`));
          }
        });
      }
    }
  }
  list(raw.tasks).forEach((t, i) => {
    if (!isObj(t)) return;
    const hasRun = t.run !== undefined;
    if (hasRun && t.agent !== undefined) problems.push(loc.at(['tasks', i, 'agent'], "give either 'run' (a command) or 'agent' (an AI CLI), not both", true));
    else if (!hasRun && t.agent === undefined) problems.push(loc.at(['tasks', i], "missing required field 'run' (or 'agent' for an AI CLI)"));
    if (!isObj(t.agent)) return;
    const at = (field: string) => ['tasks', i, 'agent', field];
    const p = cliProblem(t.agent.cli, known, loc, at('cli'));
    if (p) problems.push(p);
    if (t.agent.cli === undefined && !defaultCli(agents, t.role)) {
      problems.push(loc.at(['tasks', i, 'agent'], "no CLI: give 'cli' here or a 'cli' on the plan's agents", true));
    }
    const hasPrompt = t.agent.prompt !== undefined;
    const promptFile = t.agent.prompt_file;
    if (hasPrompt && promptFile !== undefined) problems.push(loc.at(at('prompt_file'), "give either 'prompt' or 'prompt_file', not both", true));
    else if (!hasPrompt && promptFile === undefined) problems.push(loc.at(['tasks', i, 'agent'], "missing 'prompt' (or 'prompt_file', relative to the plan)", true));
    if (typeof promptFile === 'string') {
      const abs = resolve(dirname(file), promptFile);
      if (!existsSync(abs) || !statSync(abs).isFile()) problems.push(loc.at(at('prompt_file'), `prompt file not found: ${abs}`));
    }
  });
  return problems;
}

/** The CLI of an `agent:` task without its own: that of the first agent of its role with one, else of any agent. */
function defaultCli(agents: Obj[], role: unknown): string | undefined {
  const withCli = agents.filter((a) => typeof a.cli === 'string');
  const ofRole = withCli.find((a) => typeof role === 'string' && list(a.roles).includes(role));
  return (ofRole ?? withCli[0])?.cli as string | undefined;
}

type RawTask = RawPlan['tasks'][number];

export function agentSpec(t: RawTask, raw: RawPlan, agents: AgentDef[], file: string): AgentSpec | undefined {
  const a = t.agent;
  if (!a) return undefined;
  const promptFile = a.prompt_file !== undefined ? resolve(dirname(file), a.prompt_file) : undefined;
  const cli = a.cli ?? defaultCli(agents as unknown as Obj[], t.role)!;
  return {
    cli,
    prompt: promptFile ? readFileSync(promptFile, 'utf8') : a.prompt!,
    ...(promptFile && { promptFile }),
    ...(a.model !== undefined && { model: a.model }),
    permission: a.permission ?? 'workspace',
    ...(a.max_turns !== undefined && { maxTurns: a.max_turns }),
    ...(a.budget?.tokens !== undefined && { budgetTokens: a.budget.tokens }),
    ...(a.budget?.wall !== undefined && { budgetWallMs: parseDuration(a.budget.wall)! }),
    onLimit: a.on_limit ?? 'pause',
    limitMarginMs: parseDuration(a.limit_margin ?? raw.defaults?.limit_margin) ?? DEFAULT_LIMIT_MARGIN_MS,
    onInput: a.on_input ?? 'fail',
    stall: {
      idleMs: parseDuration(a.stall?.idle) ?? DEFAULT_STALL.idleMs,
      toolMs: parseDuration(a.stall?.tool) ?? DEFAULT_STALL.toolMs,
      afterResultMs: parseDuration(a.stall?.after_result) ?? DEFAULT_STALL.afterResultMs,
    },
    args: a.args ?? [],
  };
}

export function agentPresets(raw: RawPlan): Record<string, AgentPreset> | undefined {
  if (!raw.agent_presets) return undefined;
  return Object.fromEntries(Object.entries(raw.agent_presets).map(([name, p]) => [name, {
    command: p.command, output: 'text' as const, limitPatterns: p.limit_patterns ?? [], inputPatterns: p.input_patterns ?? [],
  }]));
}
