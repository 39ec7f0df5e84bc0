/**
 * What the CLI reports about a run: the summary's makespan and lower bound after a resume count
 * only this run's work, the same makespan the dashboard shows (states made by the real
 * transitions: claim, finish, interrupt, resume; pure), and long critical paths are shortened
 * (pure, then through `validate`, `run` and `status`).
 */
import { expect } from 'chai';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { buildContext, type RunContext } from '../../orchestrator/core/graph/context.js';
import { Draft } from '../../orchestrator/core/run/draft.js';
import { initialState, interruptRun } from '../../orchestrator/core/run/lifecycle.js';
import { parsePlan } from '../../orchestrator/run-dir/load-plan.js';
import type { Plan } from '../../orchestrator/core/plan/plan-types.js';
import { makespan, pathText } from '../../orchestrator/core/text/report.js';
import { taskHashes } from '../../orchestrator/core/plan/task-hash.js';
import { claimFor, finish, heartbeat } from '../../orchestrator/core/run/transitions.js';
import { applyOps } from '../../state/ops.js';
import type { State } from '../../state/schema.js';
import { buildViewModel } from '../../panes/dashboard/model/view-model.js';
import { cli, removeDir, tempDir, writePlan } from '../helpers/cli.js';

const plan: Plan = parsePlan(
  stringify({
    version: 1, name: 'resume', workdir: 'w', agents: [{ name: 'A', quad: 1 }],
    tasks: [{ id: 'a', run: 'true' }, { id: 'b', run: 'true', needs: ['a'] }, { id: 'c', run: 'true', needs: ['b'] }],
  }),
  'resume.yaml',
);
const ctx: RunContext = buildContext(plan);

function at(s: State, now: number, fn: (d: Draft) => void): State {
  const d = new Draft(s, now);
  fn(d);
  return applyOps(structuredClone(s), d.ops);
}

/** Claims the next task for agent A at `from` and finishes it `ms` later. */
function runOne(s: State, from: number, ms: number): State {
  let task = '';
  let fence = 0;
  s = at(s, from, (d) => {
    heartbeat(d, 1, 100, ['A']);
    const [c] = claimFor(d, ctx, 1, ['A']);
    task = c!.task;
    fence = c!.fence;
  });
  return at(s, from + ms, (d) => void finish(d, ctx, { task, agent: 'A', fence, ok: true, exitCode: 0, durationMs: ms }));
}

describe('report: makespan of a resumed run', () => {
  it('counts only the claims and finishes since the resume, in the summary and on the dashboard alike', () => {
    // First run at t=1 s: a and b (1 s each), then interrupted.
    let s = initialState(ctx, taskHashes(plan, ctx.graph), 1000);
    s = runOne(s, 1000, 1000);
    s = runOne(s, 2000, 1000);
    s = at(s, 3500, (d) => interruptRun(d));
    const first = makespan(s, plan);
    expect(first.makespanMs).to.equal(2000);
    expect(first.lowerBoundMs).to.equal(2000);

    // Resumed at t=100 s: a and b kept done (with their old times), c runs for 500 ms.
    s = initialState(ctx, taskHashes(plan, ctx.graph), 100_000, s);
    expect(s.tasks.a).to.include({ status: 'done', claimedAt: 1000 });
    s = runOne(s, 100_000, 500);
    expect(s.meta.status).to.equal('finished');
    const m = makespan(s, plan);
    expect(m.makespanMs, 'not since the first run began').to.equal(500);
    expect(m.lowerBoundMs, 'the work of this run, not the kept tasks').to.equal(500);
    expect(m.criticalPath).to.deep.equal(['c']);
    expect(buildViewModel({ state: s, plan, now: 200_000 }).status.makespanMs).to.equal(m.makespanMs);
  });

  it('is 0 before this run has claimed anything', () => {
    let s = initialState(ctx, taskHashes(plan, ctx.graph), 1000);
    s = runOne(s, 1000, 1000);
    s = initialState(ctx, taskHashes(plan, ctx.graph), 50_000, s);
    expect(makespan(s, plan).makespanMs).to.equal(0);
  });
});

describe('report: long critical paths', function () {
  this.timeout(120_000);
  const ids = (n: number) => Array.from({ length: n }, (_, i) => `T${String(i + 1).padStart(4, '0')}`);

  it('pathText keeps short chains whole and shortens long ones to the first 4 and last 3, with the count', () => {
    expect(pathText([])).to.equal('none');
    expect(pathText(['a'])).to.equal('a');
    expect(pathText(ids(8))).to.equal(ids(8).join(' -> '));
    expect(pathText(ids(9))).to.equal('T0001 -> T0002 -> T0003 -> T0004 -> … 2 more … -> T0007 -> T0008 -> T0009 (9 tasks)');
    expect(pathText(ids(1000))).to.equal('T0001 -> T0002 -> T0003 -> T0004 -> … 993 more … -> T0998 -> T0999 -> T1000 (1000 tasks)');
  });

  describe('through the CLI', () => {
    let dir: string;
    beforeEach(() => {
      dir = tempDir('orch-');
    });
    afterEach(() => removeDir(dir));
    const chain = (n: number) => ids(n).map((id, i) => ({ id, run: 'true', ...(i ? { needs: [ids(n)[i - 1]!] } : {}) }));
    const pathLines = (out: string) => out.split('\n').filter((l) => /critical path[: ]+T/.test(l));

    it('validate on a 1 000-task chain prints the critical path on one short line', async () => {
      const r = await cli(['validate', writePlan(dir, chain(1000))]);
      expect(r.exitCode, r.stderr).to.equal(0);
      const [line, ...more] = pathLines(r.stdout);
      expect(more).to.deep.equal([]);
      expect(line).to.match(/^critical path: T0001 -> T0002 -> T0003 -> T0004 -> … 993 more … -> T0998 -> T0999 -> T1000 \(1000 tasks\) \(/);
      expect(line!.length).to.be.below(200);
    });

    it('the run summary and status shorten it too', async () => {
      const runDir = join(dir, 'run');
      const r = await cli(['run', writePlan(dir, chain(12)), '--run-dir', runDir, '--agents', '1', '--quads', '1']);
      expect(r.exitCode, r.stderr).to.equal(0);
      const short = 'T0001 -> T0002 -> T0003 -> T0004 -> … 5 more … -> T0010 -> T0011 -> T0012 (12 tasks)';
      expect(pathLines(r.stdout)).to.have.length(1);
      expect(pathLines(r.stdout)[0]).to.include(`critical path ${short})`);
      const st = await cli(['status', '--run-dir', runDir]);
      expect(pathLines(st.stdout)).to.deep.equal([`critical path: ${short}`]);
    });
  });
});
