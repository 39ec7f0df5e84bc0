/** Agent transitions, pure over a Draft: a usage limit pauses the CLI (not a retry), claims skip it, a restart keeps it. */
import { expect } from 'chai';
import { stringify } from 'yaml';
import { buildContext } from '../../orchestrator/core/graph/context.js';
import { Draft } from '../../orchestrator/core/run/draft.js';
import { initialState } from '../../orchestrator/core/run/lifecycle.js';
import { parsePlan } from '../../orchestrator/run-dir/load-plan.js';
import { taskHashes } from '../../orchestrator/core/plan/task-hash.js';
import { claimFor, finish } from '../../orchestrator/core/run/transitions.js';
import { agentLimited, agentStalled } from '../../orchestrator/core/run/agent-transitions.js';
import { applyOps } from '../../state/ops.js';
import type { AgentRecord, State } from '../../state/schema.js';
import { NO_TOKENS } from '../../orchestrator/core/agents/events.js';

const agents = [{ name: 'A', quad: 1 }, { name: 'B', quad: 1 }];
const tasks = [
  { id: 'c1', agent: { cli: 'claude', prompt: 'x' } },
  { id: 'c2', agent: { cli: 'claude', prompt: 'y' } },
  { id: 'x1', agent: { cli: 'codex', prompt: 'z' } },
];

function setup() {
  const plan = parsePlan(stringify({ version: 1, name: 't', workdir: 'w', agents, tasks }), 'mem.yaml');
  const ctx = buildContext(plan);
  return { plan, ctx, state: initialState(ctx, taskHashes(plan, ctx.graph), 1000) };
}

function step<R>(s: State, now: number, fn: (d: Draft) => R): { s: State; r: R; d: Draft } {
  const d = new Draft(s, now);
  const r = fn(d);
  return { s: applyOps(structuredClone(s), d.ops), r, d };
}

const rec = (o: Partial<AgentRecord> = {}): AgentRecord => ({ cli: 'claude', session: 'sess-1', state: 'working', turns: 3, tokens: { ...NO_TOKENS, input: 100 }, ...o });

describe('agent transitions (pure)', () => {
  it('a usage limit: ready again without a retry, the CLI paused in the state, one alert; claims skip that CLI only', () => {
    const { ctx, state } = setup();
    let { s, r: claims } = step(state, 2000, (d) => claimFor(d, ctx, 1, ['A']));
    const c = claims[0]!;
    expect(c.task).to.equal('c1');
    ({ s } = step(s, 3000, (d) => agentLimited(d, ctx, { task: 'c1', agent: 'A', fence: c.fence }, rec(), 60_000, 'five_hour limit reached')));
    expect(s.tasks.c1).to.include({ status: 'ready', notBefore: 60_000 });
    expect(s.tasks.c1!.ai).to.include({ state: 'paused', until: 60_000, limits: 1, session: 'sess-1' });
    expect(s.meta.agentPauses).to.deep.equal({ claude: 60_000 });
    expect(s.meta.agentTokens).to.equal(100);
    expect(s.alerts.filter((a) => a.kind === 'agent-limit')).to.have.length(1);
    // While paused: A and B get only the codex task.
    const { r: during } = step(s, 4000, (d) => claimFor(d, ctx, 1, ['A', 'B']));
    expect(during.map((x) => x.task)).to.deep.equal(['x1']);
    // After the pause: claude tasks again, c1 resumed with its session kept.
    const { s: after, r: later } = step(s, 60_001, (d) => claimFor(d, ctx, 1, ['A', 'B']));
    expect(later.map((x) => x.task).sort()).to.deep.equal(['c1', 'c2']);
    expect(after.tasks.c1!.ai!.session).to.equal('sess-1');
    // A real failure of the resumed attempt fails it for good (retries 0): the pause used none.
    const again = later.find((x) => x.task === 'c1')!;
    const { s: failed } = step(after, 61_000, (d) => finish(d, ctx, { task: 'c1', agent: again.agent, fence: again.fence, ok: false, durationMs: 5, reason: 'boom' }));
    expect(failed.tasks.c1!.status).to.equal('failed');
  });

  it('a second task hitting the same limit does not alert again; a restart of the run keeps the pause and the session', () => {
    const { ctx, state } = setup();
    let { s, r: claims } = step(state, 2000, (d) => claimFor(d, ctx, 1, ['A', 'B']));
    const [a, b] = claims as [typeof claims[0], typeof claims[0]];
    ({ s } = step(s, 3000, (d) => agentLimited(d, ctx, { task: a.task, agent: a.agent, fence: a.fence }, rec({ cli: ctx.tasks.get(a.task)!.agent!.cli }), 60_000, 'limit')));
    ({ s } = step(s, 3001, (d) => agentLimited(d, ctx, { task: b.task, agent: b.agent, fence: b.fence }, rec({ cli: ctx.tasks.get(b.task)!.agent!.cli, session: 'sess-2' }), 60_000, 'limit')));
    expect(s.alerts.filter((x) => x.kind === 'agent-limit')).to.have.length(1);
    const restarted = initialState(ctx, taskHashes(ctx.plan, ctx.graph), 5000, s);
    expect(restarted.meta.agentPauses).to.deep.equal({ claude: 60_000 });
    expect(restarted.tasks.c1!.ai).to.include({ session: 'sess-1', state: 'paused' });
    expect(restarted.tasks.c1!.notBefore).to.equal(60_000);
  });

  it('a stall: requeued for a resume twice, then failed for good', () => {
    const { ctx, state } = setup();
    let s = state;
    for (let i = 1; i <= 3; i++) {
      const { s: claimed, r } = step(s, 2000 * i, (d) => claimFor(d, ctx, 1, ['A']));
      const c = r[0]!;
      expect(c.task).to.equal('c1');
      ({ s } = step(claimed, 2000 * i + 1, (d) => agentStalled(d, ctx, { task: 'c1', agent: 'A', fence: c.fence }, rec({ stalls: claimed.tasks.c1!.ai?.stalls }), 'no event for 300s')));
    }
    expect(s.tasks.c1!.status).to.equal('failed');
    expect(s.tasks.c1!.reason).to.equal('stalled 3 times: no event for 300s');
  });
});
