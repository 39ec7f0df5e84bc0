/**
 * Hostile plans (test/fixtures/hostile/): nesting deeper than any plan needs is refused before
 * parsing (no parser recursion, no stack overflow, bounded time and memory); unknown YAML tags
 * and repeated keys (YAML and JSON) are located errors; a large plan with one error is placed
 * exactly without the full YAML parser. Valid plans with brackets and quotes in commands pass.
 */
import { expect } from 'chai';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { PlanError, type PlanProblem } from '../../orchestrator/core/errors.js';
import { FULL_PARSER_MAX_BYTES, loadPlan, parsePlan } from '../../orchestrator/run-dir/load-plan.js';
import { MAX_PLAN_DEPTH, scanPlanText } from '../../orchestrator/core/plan/plan-guard.js';
import { cli, removeDir, tempDir } from '../helpers/cli.js';
import { problemsOf } from '../helpers/plan-problems.js';

const HOSTILE = resolve('test/fixtures/hostile');
const fixture = (name: string) => join(HOSTILE, name);

describe('hostile plans', function () {
  this.timeout(120_000);

  const deep: Array<[string, number]> = [
    ['deep-flow.yaml', 6], ['deep-flow.json', 1], ['deep-block-sequence.yaml', 7], ['deep-block-mapping.yaml', 68],
  ];
  for (const [name, line] of deep) {
    it(`${name}: refused before parsing, with its place`, () => {
      const [p, ...rest] = problemsOf(() => loadPlan(fixture(name)));
      expect(rest).to.deep.equal([]);
      expect(p!.file).to.equal(fixture(name));
      expect(p!.line).to.equal(line);
      expect(p!.message).to.match(new RegExp(`nests deeper than ${MAX_PLAN_DEPTH} levels`));
    });
  }

  it('a 3 MB plan of nested flow collections and a deep block mapping: exit 2, a clear message, no stack trace (time printed)', async () => {
    const dir = tempDir('orch-hostile-');
    try {
      const flow = join(dir, 'flow.yaml');
      const n = 1_000_000;
      writeFileSync(flow, `version: 1\nname: x\ntasks:\n  - id: A\n    run: "true"\n    env: ${'{a: '.repeat(n / 2)}1${'}'.repeat(n / 2)}\n`);
      const block = join(dir, 'block.yaml');
      writeFileSync(block, 'version: 1\nname: x\ntasks:\n  - id: A\n    run: "true"\n    env:\n' + Array.from({ length: 1500 }, (_, i) => `${' '.repeat(6 + i)}k${i}:`).join('\n') + ' 1\n');
      for (const file of [flow, block]) {
        const t0 = Date.now();
        const r = await cli(['validate', file]);
        const ms = Date.now() - t0;
        console.log(`      ${file.endsWith('flow.yaml') ? '3 MB nested flow' : 'deep block mapping'}: exit ${r.exitCode} in ${ms} ms (CLI start-up included)`);
        expect(r.exitCode, r.stderr).to.equal(2);
        expect(r.stderr).to.match(/nests deeper than \d+ levels.*refused before parsing/);
        expect(r.stderr).to.not.match(/internal error|RangeError|Maximum call stack|\n\s+at /);
      }
    } finally {
      removeDir(dir);
    }
  });

  it('an unknown YAML tag (!!js/function, a local !tag) is a located error, never read as text', () => {
    const [js] = problemsOf(() => loadPlan(fixture('js-function-tag.yaml')));
    expect(js).to.include({ line: 5, task: 'T001', field: 'run' });
    expect(js!.message).to.match(/^unknown YAML tag '!!js\/function'/);
    const [local] = problemsOf(() => loadPlan(fixture('local-tag.yaml')));
    expect(local).to.include({ line: 7, task: 'T001', field: 'env.KEY' });
    expect(local!.message).to.match(/^unknown YAML tag '!secret'/);
  });

  it('a repeated key is a located error in JSON (where JSON.parse would keep the last) as in YAML', () => {
    const [j, ...jr] = problemsOf(() => loadPlan(fixture('duplicate-key.json')));
    expect(jr).to.deep.equal([]);
    expect(j).to.include({ line: 6, task: 'T002', field: 'run' });
    expect(j!.message).to.match(/duplicate key/);
    const [y] = problemsOf(() => loadPlan(fixture('duplicate-key.yaml')));
    expect(y).to.include({ line: 7, task: 'T001', field: 'timeout' });
    expect(y!.message).to.match(/duplicate key 'timeout'/);
  });

  it('brackets, quotes and # in commands, block scalars and comments are not nesting: the plan is valid', () => {
    const plan = loadPlan(fixture('brackets-in-commands.yaml'));
    expect(plan.tasks.map((t) => t.id)).to.deep.equal(['T001', 'T002', 'T003']);
    expect(scanPlanText(readFileSync(fixture('brackets-in-commands.yaml'), 'utf8')).depth).to.be.below(8);
    // The bundled plan and a JSON plan too.
    expect(scanPlanText(readFileSync(resolve('plans/avatar-platform.yaml'), 'utf8')).at).to.equal(undefined);
  });

  it('a plan over the full parser\'s size with one error: placed exactly (file, line, column, task, field)', () => {
    const n = 25_000;
    const lines = ['version: 1', 'name: big', 'workdir: w', 'tasks:'];
    for (let i = 0; i < n; i++) lines.push(`  - {id: T${String(i).padStart(6, '0')}, run: 'true', needs: [${i === 12_345 ? 'T999999' : i ? `T${String(i - 1).padStart(6, '0')}` : ''}]}`);
    const text = lines.join('\n') + '\n';
    expect(text.length).to.be.above(FULL_PARSER_MAX_BYTES);
    const problems = problemsOf(() => parsePlan(text, 'big.yaml'));
    expect(problems).to.have.length(1);
    expect(problems[0]).to.include({ file: 'big.yaml', line: 12_350, col: 40, task: 'T012345', field: 'needs[0]' });
    expect(problems[0]!.message).to.match(/^needs unknown task 'T999999'/);
    // Block style too, and a field of the wrong type.
    const block = text.replace("  - {id: T000007, run: 'true', needs: [T000006]}", '  - id: T000007\n    run: true\n    needs: [T000006]');
    const [p] = problemsOf(() => parsePlan(block, 'big.yaml'));
    expect(p).to.include({ line: 13, task: 'T000007', field: 'run' });
  });
});
