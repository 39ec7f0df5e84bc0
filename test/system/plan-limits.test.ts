/**
 * Plans that cannot run are refused by validate (and so by run), each problem placed: a NUL or
 * control character in the environment, the workdir or a quad name; `=` in an environment
 * key; an id or agent name too long for its log file's name; timeouts of zero or longer than a
 * Node timer holds. The adversarial cases of issue 17, kept as test cases. Then the CLI: exit 2,
 * and nothing started.
 */
import { expect } from 'chai';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { PlanError, type PlanProblem } from '../../orchestrator/core/errors.js';
import { parsePlan } from '../../orchestrator/run-dir/load-plan.js';
import { MAX_TIMER_MS, NAME_MAX } from '../../orchestrator/core/plan/plan-limits.js';
import { cli, removeDir, tempDir } from '../helpers/cli.js';

function problems(plan: Record<string, unknown>): PlanProblem[] {
  try {
    parsePlan(JSON.stringify({ version: 1, name: 'p', ...plan }), 'plan.json');
  } catch (e) {
    if (e instanceof PlanError) return e.problems;
    throw e;
  }
  return [];
}

const task = (extra: Record<string, unknown>) => ({ tasks: [{ id: 'A', run: 'true', ...extra }] });

describe('plan limits: what the OS would refuse at run time is a plan error', () => {
  const cases: Array<{ title: string; plan: Record<string, unknown>; field: string; message: RegExp }> = [
    { title: 'a NUL in an env value', plan: task({ env: { X: 'a\0b' } }), field: 'env.X', message: /value of X contains a NUL character/ },
    { title: 'a control character in an env value', plan: task({ env: { X: 'a\x1bb' } }), field: 'env.X', message: /U\+001B/ },
    { title: 'a NUL in an env key', plan: task({ env: { 'X\0': 'y' } }), field: 'env.X\0', message: /name contains a NUL/ },
    { title: '= in an env key', plan: task({ env: { 'F=G': 'y' } }), field: 'env.F=G', message: /contains '='/ },
    { title: 'a NUL in the workdir', plan: { workdir: 'w\0x', ...task({}) }, field: 'workdir', message: /workdir contains a NUL/ },
    { title: 'a control character in a quad name', plan: { quads: [{ id: 1, name: 'q\x07' }], agents: [{ name: 'a', quad: 1 }], ...task({}) }, field: 'quads[0].name', message: /U\+0007/ },
    { title: 'a 300-character task id', plan: { tasks: [{ id: 'T'.repeat(300), run: 'true' }] }, field: 'id', message: new RegExp(`would be 304 bytes.*at most ${NAME_MAX}`) },
    { title: 'a 300-character agent name', plan: { agents: [{ name: 'a'.repeat(300), quad: 1 }], ...task({}) }, field: 'name', message: /would be 304 bytes/ },
    { title: 'timeout 0', plan: task({ timeout: 0 }), field: 'timeout', message: /must be more than 0/ },
    { title: 'timeout 600h', plan: task({ timeout: '600h' }), field: 'timeout', message: new RegExp(`at most ${MAX_TIMER_MS} ms`) },
    { title: 'defaults.timeout 0s', plan: { defaults: { timeout: '0s' }, ...task({}) }, field: 'defaults.timeout', message: /must be more than 0/ },
  ];
  for (const c of cases) {
    it(c.title, () => {
      const ps = problems(c.plan);
      expect(ps, JSON.stringify(ps)).to.have.length(1);
      expect(ps[0]!.field).to.equal(c.field);
      expect(ps[0]!.message).to.match(c.message);
    });
  }

  it('what can run passes: a 251-character id, a multi-line env value, the longest timer', () => {
    expect(problems({ tasks: [{ id: 'T'.repeat(NAME_MAX - 4), run: 'true', env: { X: 'a\nb\tc' }, timeout: `${MAX_TIMER_MS}ms` }] })).to.deep.equal([]);
  });

  it('validate and run refuse with exit 2 and start nothing', async function () {
    this.timeout(60_000);
    const dir = tempDir('orch-limits-');
    try {
      const plan = join(dir, 'plan.json');
      const { writeFileSync } = await import('node:fs');
      writeFileSync(plan, JSON.stringify({ version: 1, name: 'p', tasks: [{ id: 'A', run: 'true', env: { V: 'x\0y' } }] }));
      const v = await cli(['validate', plan]);
      expect(v.exitCode).to.equal(2);
      expect(v.stderr).to.include('task A').and.include('NUL');
      const r = await cli(['run', plan, '--run-dir', dir]);
      expect(r.exitCode).to.equal(2);
      expect(existsSync(join(dir, '.orchestrator'))).to.equal(false);
    } finally {
      removeDir(dir);
    }
  });
});
