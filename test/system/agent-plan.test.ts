/** `agent:` in plans: normalised specs and located errors (file, line, task, field, did-you-mean). */
import { expect } from 'chai';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PlanError, type PlanProblem } from '../../orchestrator/core/errors.js';
import { parsePlan } from '../../orchestrator/run-dir/load-plan.js';
import { removeDir, tempDir } from '../helpers/cli.js';

function problems(text: string, file: string): PlanProblem[] {
  try {
    parsePlan(text, file);
  } catch (e) {
    if (e instanceof PlanError) return e.problems;
    throw e;
  }
  throw new Error('the plan was accepted');
}

describe('agent tasks in plans', () => {
  let dir: string;
  beforeEach(() => (dir = tempDir('orch-agent-plan-')));
  afterEach(() => removeDir(dir));

  it('normalises an agent task: prompt file read relative to the plan, defaults, the agent default cli', () => {
    mkdirSync(join(dir, 'prompts'));
    writeFileSync(join(dir, 'prompts', 'T1.md'), 'Build the synth.\n');
    const plan = parsePlan(`version: 1
name: p
agents: [{ name: A, quad: 1, roles: [voice], cli: codex }]
budget: { tokens: 5000 }
agent_presets:
  mycli: { command: [mycli, run, "{prompt}"], limit_patterns: ["quota exceeded"] }
tasks:
  - id: T1
    role: voice
    agent: { prompt_file: prompts/T1.md, max_turns: 40, budget: { tokens: 2000000, wall: 30m }, stall: { idle: 5m, tool: 15m, after_result: 60s }, on_input: wait }
  - id: T2
    agent: { cli: mycli, prompt: hi, permission: full, limit_margin: 2m }
`, join(dir, 'plan.yaml'));
    const t1 = plan.tasks[0]!.agent!;
    expect(t1).to.deep.include({ cli: 'codex', prompt: 'Build the synth.\n', permission: 'workspace', maxTurns: 40, budgetTokens: 2_000_000, budgetWallMs: 1_800_000, onLimit: 'pause', limitMarginMs: 90_000, onInput: 'wait' });
    expect(t1.stall).to.deep.equal({ idleMs: 300_000, toolMs: 900_000, afterResultMs: 60_000 });
    expect(plan.tasks[1]!.agent).to.deep.include({ cli: 'mycli', permission: 'full', limitMarginMs: 120_000 });
    expect(plan.budgetTokens).to.equal(5000);
    expect(plan.agentPresets!.mycli!.limitPatterns).to.deep.equal(['quota exceeded']);
  });

  it('located errors: unknown cli with did-you-mean, missing prompt file, bad duration, run and agent both, neither, an unknown key', () => {
    const file = join(dir, 'plan.yaml');
    const p = problems(`version: 1
name: p
tasks:
  - id: T1
    agent: { cli: cluade, prompt: x }
  - id: T2
    agent: { cli: claude, prompt_file: prompts/missing.md }
  - id: T3
    agent: { cli: claude, prompt: x, stall: { idle: soon } }
  - id: T4
    run: echo hi
    agent: { cli: claude, prompt: x }
  - id: T5
    title: nothing to run
  - id: T6
    agent: { cli: claude, prompt: x, max_turn: 3 }
`, file);
    const at = (task: string) => p.filter((x) => x.task === task).map((x) => `${x.line}:${x.field ?? ''}: ${x.message}`);
    expect(at('T1')).to.deep.equal([`5:agent.cli: unknown agent CLI 'cluade' (did you mean 'claude'?): use claude, codex, gemini, aider or a name from agent_presets`]);
    expect(at('T2')).to.deep.equal([`7:agent.prompt_file: prompt file not found: ${join(dir, 'prompts', 'missing.md')}`]);
    expect(at('T3')[0]).to.match(/^9:agent\.stall\.idle: is not a duration/);
    expect(at('T4')).to.deep.equal([`12:agent: give either 'run' (a command) or 'agent' (an AI CLI), not both`]);
    expect(at('T5')).to.deep.equal([`13:: missing required field 'run' (or 'agent' for an AI CLI)`]);
    expect(at('T6')).to.deep.equal([`16:agent.max_turn: unknown field 'max_turn' (did you mean 'max_turns'?)`]);
  });

  it('an agent task with no cli anywhere', () => {
    const p = problems('version: 1\nname: p\ntasks:\n  - id: T1\n    agent: { prompt: x }\n', join(dir, 'plan.yaml'));
    expect(p.map((x) => x.message)).to.deep.equal(["no CLI: give 'cli' here or a 'cli' on the plan's agents"]);
  });
});
