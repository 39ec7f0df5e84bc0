/**
 * One wrongly indented line, one problem: each fixture in test/fixtures/bad-indent/ is a
 * realistic plan with a single line shifted (too far, too little, a tab, a task out of the list,
 * a line of a `run: |` text, a field out of or into `agent:`, a list item joining the one above).
 * Before, the YAML parser's follow-on errors (or the schema's pair of unknown field and missing
 * field) gave two to nine messages, most on correct lines.
 */
import { expect } from 'chai';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { PlanProblem } from '../../orchestrator/core/errors.js';
import { indentProblem } from '../../orchestrator/core/plan/plan-indent.js';
import { parsePlan } from '../../orchestrator/run-dir/load-plan.js';
import { problemsOf } from '../helpers/plan-problems.js';

const DIR = resolve('test/fixtures/bad-indent');
const read = (name: string) => readFileSync(join(DIR, name), 'utf8');

describe('a wrongly indented line gives one located problem (pure)', () => {
  const cases: Array<{ fixture: string; at: Partial<PlanProblem>; message: RegExp }> = [
    { fixture: 'run-too-far.yaml', at: { line: 9, col: 7, task: 'build', field: 'run' }, message: /^bad indentation: 'run:' at column 7 is indented further .* line it up with 'needs:' on line 8 \(column 5\)$/ },
    { fixture: 'title-too-far.yaml', at: { line: 5, col: 7, task: 'setup', field: 'title' }, message: /line it up with 'id:' on line 4 \(column 5\)/ },
    { fixture: 'three-spaces.yaml', at: { line: 8, col: 4, task: 'build', field: 'needs' }, message: /'needs:' at column 4 lines up with nothing .* 'id:' on line 7 \(column 5\)/ },
    { fixture: 'field-dedented.yaml', at: { line: 15, col: 3, task: 'test', field: 'timeout' }, message: /where a list's items are.* 'run:' on line 14 \(column 5\)/ },
    { fixture: 'needs-item-dedented.yaml', at: { line: 13, col: 5, task: 'test' }, message: /the list item '- build' .* '- setup' on line 12 \(column 7\)/ },
    { fixture: 'task-dedented.yaml', at: { line: 7, col: 1, task: 'build' }, message: /the list item '- id: build' at column 1 .* '- id: setup' on line 4 \(column 3\)/ },
    { fixture: 'task-too-far.yaml', at: { line: 16, col: 5, task: 'deploy' }, message: /the list item '- id: deploy' at column 5 .* '- id: test' on line 10 \(column 3\)/ },
    { fixture: 'agent-field-dedented.yaml', at: { line: 7, col: 4, agent: 'Tester', field: 'quad' }, message: /'quad:' at column 4 lines up with nothing .* 'name:' on line 6 \(column 5\)/ },
    { fixture: 'flow-task-too-far.yaml', at: { line: 5, col: 4, task: 'build' }, message: /the list item '- \{ id: build, .* indented further .* line 4 \(column 3\)/ },
    { fixture: 'block-text-dedented.yaml', at: { line: 8, col: 6, task: 'setup', field: 'run' }, message: /text under 'run: \|' \(line 5\) starts at column 6, left of the text's first line \(column 7\)/ },
    { fixture: 'tab.yaml', at: { line: 14, col: 1, task: 'test', field: 'run' }, message: /tab in the indentation: YAML indents with spaces only/ },
    // Valid YAML, one level off: the schema's unknown field and its missing counterpart, told once.
    { fixture: 'prompt-out-of-agent.yaml', at: { line: 10, col: 5, task: 'review', field: 'prompt' }, message: /^'prompt' belongs under 'agent:' \(line 8\)/ },
    { fixture: 'timeout-into-agent.yaml', at: { line: 11, col: 7, task: 'review', field: 'agent.timeout' }, message: /^'timeout' is a field of the task, not of 'agent': dedent it to line up with 'agent:' \(line 8\)/ },
    { fixture: 'run-at-top-level.yaml', at: { line: 8, col: 1, field: 'run' }, message: /^'run' is a task field, not a plan field: .* task deploy \(line 6\)/ },
    { fixture: 'needs-item-too-far.yaml', at: { line: 10, col: 9, task: 'test', field: 'needs[0]' }, message: /^needs unknown task 'setup - build' \(two list items read as one: the '- build' under '- setup' is indented further/ },
    { fixture: 'env-var-dedented.yaml', at: { line: 16, col: 5, task: 'x', field: 'B' }, message: /^'B' belongs under 'env:' \(line 15\)/ },
  ];
  for (const c of cases) {
    it(`${c.fixture}: line ${c.at.line}`, () => {
      const problems = problemsOf(() => parsePlan(read(c.fixture), c.fixture));
      expect(problems, JSON.stringify(problems, null, 2)).to.have.length(1);
      expect(problems[0]).to.include({ file: c.fixture, ...c.at });
      expect(problems[0]!.message).to.match(c.message);
    });
  }

  it('every fixture is covered', () => {
    expect(readdirSync(DIR).sort()).to.deep.equal(cases.map((c) => c.fixture).sort());
  });

  it('the scan flags nothing in valid plans: block scalars, plain strings over lines, lists at their key, flow over lines', () => {
    const text = [
      'version: 1', 'name: tricky', 'tasks:',
      '- id: a', '  run: |', '    echo one', '      echo: deeper text', '  env:', '    A: 1',
      '- id: b', '  needs:', '  - a', '  run: echo a', '    continued plain', '  title: t',
      '- id: c', '  run: >-', '    folded', '  agent:', '    cli: x', '    prompt: "p"',
      '  verify: [sh, -c,', '    "true"]', '',
    ].join('\n');
    expect(indentProblem(text)).to.equal(undefined);
    for (const name of ['avatar-platform.yaml']) expect(indentProblem(readFileSync(resolve('plans', name), 'utf8'))).to.equal(undefined);
  });

  it('a syntax error that is no indentation is still reported once, where it is', () => {
    const problems = problemsOf(() => parsePlan('version: 1\nname: q\ntasks:\n  - id: a\n    run: "echo\n  - id: b\n    run: x\n', 'q.yaml'));
    expect(problems).to.have.length(1);
    expect(problems[0]).to.include({ line: 5, col: 10, task: 'a', field: 'run' });
  });
});
