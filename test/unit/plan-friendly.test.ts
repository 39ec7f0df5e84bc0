/**
 * Writing plans: the shipped JSON Schema is the one the zod schema generates (and the bundled
 * plans point editors at it and satisfy it), and the friendlier messages and defaults: a
 * missing version, `needs` as one string, `depends_on`, generic agents spread over the quads.
 */
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { PlanError, type PlanProblem } from '../../orchestrator/core/errors.js';
import { buildContext } from '../../orchestrator/core/graph/context.js';
import { initialState } from '../../orchestrator/core/run/lifecycle.js';
import { claimFor } from '../../orchestrator/core/run/transitions.js';
import { Draft } from '../../orchestrator/core/run/draft.js';
import { planJsonSchemaText } from '../../orchestrator/core/plan/plan-json-schema.js';
import { planSchema } from '../../orchestrator/core/plan/plan-schema.js';
import { taskHashes } from '../../orchestrator/core/plan/task-hash.js';
import { parsePlan } from '../../orchestrator/run-dir/load-plan.js';
import { PACKAGE_ROOT } from '../../orchestrator/run-dir/paths.js';
import { load } from 'js-yaml';

const problems = (text: string): PlanProblem[] => {
  try {
    parsePlan(text, 'p.yaml');
  } catch (e) {
    if (e instanceof PlanError) return e.problems;
    throw e;
  }
  return [];
};

describe('writing plans: schema, messages, defaults (pure)', () => {
  it('plan.schema.json is current (regenerate: orchestrator schema > plan.schema.json)', () => {
    expect(readFileSync(join(PACKAGE_ROOT, 'plan.schema.json'), 'utf8')).to.equal(planJsonSchemaText());
  });

  it('every bundled plan names the schema for editors and satisfies it', () => {
    const file = join(PACKAGE_ROOT, 'plans', 'avatar-platform.yaml');
    const text = readFileSync(file, 'utf8');
    expect(text.split('\n')[0]).to.equal('# yaml-language-server: $schema=../plan.schema.json');
    expect(planSchema.safeParse(load(text)).success).to.equal(true);
    const schema = JSON.parse(planJsonSchemaText()) as { required: string[]; properties: Record<string, unknown> };
    expect(schema.required).to.include.members(['version', 'name', 'tasks']);
    expect(Object.keys((load(text) as object))).to.satisfy((keys: string[]) => keys.every((k) => k in schema.properties));
  });

  it("says missing 'version: 1', hints needs for depends_on, and takes needs as one string", () => {
    expect(problems('name: x\ntasks:\n  - { id: a, run: "true" }\n').map((p) => p.message)).to.deep.equal(["missing 'version: 1' (the first line of every plan)"]);
    expect(problems('version: 1\nname: x\ntasks:\n  - { id: a, run: "true" }\n  - { id: b, run: "true", depends_on: [a] }\n').map((p) => p.message)).to.deep.equal(["unknown field 'depends_on' (did you mean 'needs'?)"]);
    const plan = parsePlan('version: 1\nname: x\ntasks:\n  - { id: a, run: "true" }\n  - { id: b, run: "true", needs: a }\n', 'p.yaml');
    expect(plan.tasks[1]!.needs).to.deep.equal(['a']);
    expect(problems('version: 1\nname: x\ntasks:\n  - { id: b, run: "true", needs: zz }\n').map((p) => p.message)).to.have.length(1);
  });

  it('a plan without agents gets generic names, and few tasks spread over the quads', () => {
    const plan = parsePlan(stringify({ version: 1, name: 'nine', tasks: Array.from({ length: 9 }, (_, i) => ({ id: `t${i}`, run: 'true' })) }), 'p.yaml');
    expect(plan.agents.map((a) => a.name)).to.deep.equal(Array.from({ length: 12 }, (_, i) => `Agent-${String(i + 1).padStart(2, '0')}`));
    expect(plan.quads.map((q) => q.name)).to.deep.equal(['Quad 1', 'Quad 2', 'Quad 3']);
    // Three ready tasks, twelve idle agents, every group live: quad 1 asks first (as the
    // fastest to start would) and takes one, leaving one each to quads 2 and 3.
    const three = parsePlan(stringify({ version: 1, name: 'three', tasks: ['a', 'b', 'c'].map((id) => ({ id, run: 'true' })) }), 'p.yaml');
    const ctx = buildContext(three);
    const d = new Draft(initialState(ctx, taskHashes(three, ctx.graph), 1000), 1000);
    const mine = (q: number) => three.agents.filter((a) => a.quad === q).map((a) => a.name);
    expect(claimFor(d, ctx, 1, mine(1)).map((c) => c.agent)).to.deep.equal(['Agent-01']);
  });
});
