/**
 * Plan errors: one fixture per error class (test/fixtures/plans/), each asserting that the
 * message names the file, the line:column where YAML gives one, the task (or agent) and the field.
 * Then the CLI on a few of them: exit 2, errors on stderr only, nothing written where it ran.
 */
import { expect } from 'chai';
import { readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { PlanError, type PlanProblem } from '../../orchestrator/core/errors.js';
import { loadPlan, MAX_PLAN_BYTES, parsePlan } from '../../orchestrator/run-dir/load-plan.js';
import { cli, removeDir, tempDir } from '../helpers/cli.js';
import { problemsOf } from '../helpers/plan-problems.js';

const FIXTURES = resolve('test/fixtures/plans');
const fixture = (name: string) => join(FIXTURES, name);

/** The only problem of a fixture, after checking there is exactly one. */
function onlyProblem(name: string): PlanProblem {
  const problems = problemsOf(() => loadPlan(fixture(name)));
  expect(problems, JSON.stringify(problems, null, 2)).to.have.length(1);
  expect(problems[0]!.file).to.equal(fixture(name));
  return problems[0]!;
}

describe('plan errors (fixtures)', function () {
  this.timeout(30_000);

  /** One problem each: where it is placed, and its message (exact, or a pattern). */
  const cases: Array<{ title: string; fixture: string; at: Partial<PlanProblem>; message: string | RegExp }> = [
    { title: 'YAML syntax error: placed where the unclosed quote opens, in its task and field', fixture: 'syntax-error.yaml', at: { line: 5, col: 10, task: 'T001', field: 'run' }, message: /^YAML syntax error: .*never closed/ },
    { title: 'unknown field, with a did-you-mean', fixture: 'unknown-field.yaml', at: { line: 8, col: 5, task: 'T002', field: 'neds' }, message: "unknown field 'neds' (did you mean 'needs'?)" },
    { title: 'wrong type: says what was expected and what was found', fixture: 'wrong-type.yaml', at: { line: 6, col: 14, task: 'T001', field: 'retries' }, message: 'expected a number, got string "three"' },
    { title: 'duplicate task ids: the second one, pointing back at the first', fixture: 'duplicate-ids.yaml', at: { line: 8, col: 9, task: 'T001', field: 'id' }, message: "duplicate task id 'T001' (first defined at line 4)" },
    { title: 'unknown needs, with a did-you-mean', fixture: 'unknown-needs.yaml', at: { line: 8, col: 19, task: 'T002', field: 'needs[1]' }, message: "needs unknown task 'T0001' (did you mean 'T001'?)" },
    { title: 'self-dependency', fixture: 'self-dependency.yaml', at: { line: 8, col: 19, task: 'T002', field: 'needs[1]' }, message: /T002.*needs itself/ },
    { title: 'cycle: printed from the task listed first, at the need that closes it', fixture: 'cycle.yaml', at: { line: 11, col: 19, task: 'T003', field: 'needs[1]' }, message: 'dependency cycle: T003 -> T005 -> T003' },
    { title: 'bad duration: shows the accepted forms and the value', fixture: 'bad-duration.yaml', at: { line: 6, col: 14, task: 'T001', field: 'timeout' }, message: /not a duration: .*500ms \/ 30s \/ 5m \/ 1h, got string "10 minutes"/ },
    { title: 'empty task list', fixture: 'empty-tasks.yaml', at: { line: 3, col: 8, field: 'tasks' }, message: /no tasks/ },
    { title: 'agents with duplicate names', fixture: 'duplicate-agents.yaml', at: { line: 6, col: 13, agent: 'Builder', field: 'name' }, message: "duplicate agent name 'Builder' (first defined at line 4)" },
    { title: 'agent quad out of range: lists the quads that exist', fixture: 'agent-quad-range.yaml', at: { line: 9, col: 26, agent: 'Stray', field: 'quad' }, message: "quad 3 is out of range: the plan's quads are 1, 2" },
  ];
  for (const c of cases) {
    it(c.title, () => {
      const p = onlyProblem(c.fixture);
      expect(p).to.include(c.at);
      if (typeof c.message === 'string') expect(p.message).to.equal(c.message);
      else expect(p.message).to.match(c.message);
    });
  }

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
