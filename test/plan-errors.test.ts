/**
 * Plan errors: one fixture per error class (test/fixtures/plans/), each asserting that the
 * message names the file, the line:column where YAML gives one, the task (or agent) and the field.
 * Then the CLI on a few of them: exit 2, errors on stderr only, nothing written where it ran.
 */
import { expect } from 'chai';
import { readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { PlanError, type PlanProblem } from '../orchestrator/errors.js';
import { loadPlan, MAX_PLAN_BYTES, parsePlan } from '../orchestrator/plan.js';
import { cli, removeDir, tempDir } from './helpers/cli.js';

const FIXTURES = resolve('test/fixtures/plans');
const fixture = (name: string) => join(FIXTURES, name);

function problemsOf(load: () => unknown): PlanProblem[] {
  try {
    load();
  } catch (e) {
    if (e instanceof PlanError) return e.problems;
    throw e;
  }
  throw new Error('expected a PlanError, but the plan was accepted');
}

/** The only problem of a fixture, after checking there is exactly one. */
function onlyProblem(name: string): PlanProblem {
  const problems = problemsOf(() => loadPlan(fixture(name)));
  expect(problems, JSON.stringify(problems, null, 2)).to.have.length(1);
  expect(problems[0]!.file).to.equal(fixture(name));
  return problems[0]!;
}

describe('plan errors (fixtures)', function () {
  this.timeout(30_000);

  it('YAML syntax error: placed where the unclosed quote opens, in its task and field', () => {
    const p = onlyProblem('syntax-error.yaml');
    expect(p).to.include({ line: 5, col: 10, task: 'T001', field: 'run' });
    expect(p.message).to.match(/^YAML syntax error: .*never closed/);
  });

  it('unknown field, with a did-you-mean', () => {
    const p = onlyProblem('unknown-field.yaml');
    expect(p).to.include({ line: 8, col: 5, task: 'T002', field: 'neds' });
    expect(p.message).to.equal("unknown field 'neds' (did you mean 'needs'?)");
  });

  it('wrong type: says what was expected and what was found', () => {
    const p = onlyProblem('wrong-type.yaml');
    expect(p).to.include({ line: 6, col: 14, task: 'T001', field: 'retries' });
    expect(p.message).to.equal('expected a number, got string "three"');
  });

  it('duplicate task ids: the second one, pointing back at the first', () => {
    const p = onlyProblem('duplicate-ids.yaml');
    expect(p).to.include({ line: 8, col: 9, task: 'T001', field: 'id' });
    expect(p.message).to.equal("duplicate task id 'T001' (first defined at line 4)");
  });

  it('unknown needs, with a did-you-mean', () => {
    const p = onlyProblem('unknown-needs.yaml');
    expect(p).to.include({ line: 8, col: 19, task: 'T002', field: 'needs[1]' });
    expect(p.message).to.equal("needs unknown task 'T0001' (did you mean 'T001'?)");
  });

  it('self-dependency', () => {
    const p = onlyProblem('self-dependency.yaml');
    expect(p).to.include({ line: 8, col: 19, task: 'T002', field: 'needs[1]' });
    expect(p.message).to.match(/T002.*needs itself/);
  });

  it('cycle: printed from the task listed first, at the need that closes it', () => {
    const p = onlyProblem('cycle.yaml');
    expect(p).to.include({ line: 11, col: 19, task: 'T003', field: 'needs[1]' });
    expect(p.message).to.equal('dependency cycle: T003 -> T005 -> T003');
  });

  it('bad duration: shows the accepted forms and the value', () => {
    const p = onlyProblem('bad-duration.yaml');
    expect(p).to.include({ line: 6, col: 14, task: 'T001', field: 'timeout' });
    expect(p.message).to.match(/not a duration: .*500ms \/ 30s \/ 5m \/ 1h, got string "10 minutes"/);
  });

  it('empty task list', () => {
    const p = onlyProblem('empty-tasks.yaml');
    expect(p).to.include({ line: 3, col: 8, field: 'tasks' });
    expect(p.message).to.match(/no tasks/);
  });

  it('agents with duplicate names', () => {
    const p = onlyProblem('duplicate-agents.yaml');
    expect(p).to.include({ line: 6, col: 13, agent: 'Builder', field: 'name' });
    expect(p.message).to.equal("duplicate agent name 'Builder' (first defined at line 4)");
  });

  it('agent quad out of range: lists the quads that exist', () => {
    const p = onlyProblem('agent-quad-range.yaml');
    expect(p).to.include({ line: 9, col: 26, agent: 'Stray', field: 'quad' });
    expect(p.message).to.equal("quad 3 is out of range: the plan's quads are 1, 2");
  });

  it('YAML alias-expansion bomb ("billion laughs") is refused, quickly', () => {
    const t0 = Date.now();
    const p = onlyProblem('alias-bomb.yaml');
    expect(p.message).to.match(/cannot be expanded: .*alias/i);
    expect(Date.now() - t0).to.be.below(10_000); // a real expansion would be 9^9 nodes
  });

  it('a file over the size limit is refused before it is parsed', () => {
    const dir = tempDir('orch-');
    try {
      const file = join(dir, 'huge.yaml');
      writeFileSync(file, `version: 1\nname: huge\n# ${'x'.repeat(MAX_PLAN_BYTES)}\ntasks: [{id: A, run: x}]\n`);
      const problems = problemsOf(() => loadPlan(file));
      expect(problems).to.have.length(1);
      expect(problems[0]!.file).to.equal(file);
      expect(problems[0]!.message).to.match(new RegExp(`limited to ${MAX_PLAN_BYTES} bytes`));
    } finally {
      removeDir(dir);
    }
  });

  it('a JSON plan is accepted, and JSON errors get line:column too', () => {
    const plan = loadPlan(fixture('valid.json'));
    expect(plan.tasks.map((t) => [t.id, t.needs, t.timeoutMs])).to.deep.equal([
      ['T001', [], 10 * 60_000],
      ['T002', ['T001'], 30_000],
    ]);
    expect(plan.tasks[1]!.run).to.deep.equal(['echo', 'two']);
    const text = '{\n  "version": 1,\n  "name": "j",\n  "tasks": [\n    { "id": "A", "run": "x", "needs": ["B"] }\n  ]\n}\n';
    const [p, ...rest] = problemsOf(() => parsePlan(text, 'plan.json'));
    expect(rest).to.have.length(0);
    expect(p).to.include({ file: 'plan.json', line: 5, col: 40, task: 'A', field: 'needs[0]' });
  });

  it('several errors at once: all reported, in file order', () => {
    const problems = problemsOf(() => loadPlan(fixture('many-errors.yaml')));
    const brief = problems.map((p) => [p.line, p.task ?? '', p.field]);
    expect(brief).to.deep.equal([
      [3, '', 'defaults.timeout'],
      [7, 'T001', 'retries'],
      [10, 'T002', 'needs[0]'],
      [11, 'T002', 'pty'],
      [13, 'T003', 'titel'],
      [15, 'T002', 'id'],
    ]);
    expect(problems.map((p) => p.message)).to.include.members([
      'must be 0 or more, got number -1',
      "needs unknown task 'T01' (did you mean 'T001'?)",
      'expected true or false, got string "yes"',
      "unknown field 'titel' (did you mean 'title'?)",
      "duplicate task id 'T002' (first defined at line 8)",
    ]);
  });

  it('every error fixture is covered above', () => {
    const covered = ['syntax-error', 'unknown-field', 'wrong-type', 'duplicate-ids', 'unknown-needs', 'self-dependency', 'cycle', 'bad-duration', 'empty-tasks', 'duplicate-agents', 'agent-quad-range', 'alias-bomb', 'many-errors', 'valid'];
    const files = readdirSync(FIXTURES).map((f) => f.replace(/\.(yaml|json)$/, ''));
    expect(files.sort()).to.deep.equal(covered.sort());
  });
});

describe('plan errors (CLI: orchestrator validate)', function () {
  this.timeout(120_000);
  let cwd: string;
  beforeEach(() => {
    cwd = tempDir('orch-');
  });
  afterEach(() => removeDir(cwd));

  for (const name of ['cycle.yaml', 'many-errors.yaml', 'syntax-error.yaml']) {
    it(`${name}: exit 2, every error on stderr, nothing written`, async () => {
      const r = await cli(['validate', fixture(name)], { cwd });
      expect(r.exitCode, r.stderr).to.equal(2);
      expect(r.stdout).to.equal('');
      const expected = problemsOf(() => loadPlan(fixture(name)));
      for (const p of expected) expect(r.stderr).to.contain(`${fixture(name)}:${p.line}:${p.col}: `);
      expect(r.stderr.trim().split('\n')).to.have.length(expected.length + 1); // heading + one line each
      expect(readdirSync(cwd)).to.deep.equal([]);
    });
  }

  it('the cycle reads as the issue describes it', async () => {
    const r = await cli(['validate', fixture('cycle.yaml')], { cwd });
    expect(r.stderr).to.contain("cycle.yaml:11:19: task T003, field 'needs[1]': dependency cycle: T003 -> T005 -> T003");
  });

  it('a valid JSON plan validates (exit 0) and nothing is written', async () => {
    const r = await cli(['validate', fixture('valid.json')], { cwd });
    expect(r.exitCode, r.stderr).to.equal(0);
    expect(r.stdout).to.match(/json-plan .* 2 tasks/);
    expect(r.stdout).to.contain('critical path: T001 -> T002');
    expect(readdirSync(cwd)).to.deep.equal([]);
  });
});
