/**
 * Every path to "nothing left to do" ends the run, whatever killed what and when. Pure: the
 * transition functions the workers and the keep-alive run, applied in every order of the
 * events around one attempt — its process group recorded, the task exits, its worker dies,
 * its lease runs out, its group restarts — with the invariant checked after every step.
 */
import { expect } from 'chai';
import { stringify } from 'yaml';
import { buildContext, type RunContext } from '../../orchestrator/core/graph/context.js';
import { Draft } from '../../orchestrator/core/run/draft.js';
import { groupFailed, groupRestarting } from '../../orchestrator/core/run/group-transitions.js';
import { groupStarted, initialState } from '../../orchestrator/core/run/lifecycle.js';
import { parsePlan } from '../../orchestrator/run-dir/load-plan.js';
import { taskHashes } from '../../orchestrator/core/plan/task-hash.js';
import { claimFor, expireLeases, finish, heartbeat, LEASE_MS, started } from '../../orchestrator/core/run/transitions.js';
import { applyOps } from '../../state/ops.js';
import type { State } from '../../state/schema.js';

type Ev = 'pgid' | 'exit' | 'dies' | 'lease' | 'restart';
const EVENTS: Ev[] = ['pgid', 'exit', 'dies', 'lease', 'restart'];

function permutations<T>(xs: readonly T[]): T[][] {
  if (xs.length <= 1) return [[...xs]];
  return xs.flatMap((x, i) => permutations([...xs.slice(0, i), ...xs.slice(i + 1)]).map((p) => [x, ...p]));
}

function setup(): { ctx: RunContext; state: State } {
  const plan = parsePlan(stringify({
    version: 1, name: 't', workdir: 'w',
    agents: [{ name: 'A', quad: 1 }, { name: 'B', quad: 2 }],
    tasks: [{ id: 'x', run: 'kill -9 $PPID' }, { id: 'y', run: 'true', needs: ['x'] }],
  }), 'mem.yaml');
  const ctx = buildContext(plan);
  return { ctx, state: initialState(ctx, taskHashes(plan, ctx.graph), 1000) };
}

/** "Nothing left to do" (no task pending, ready or running) means the run is not running any more. */
function checkInvariant(s: State, where: string): void {
  const active = Object.values(s.tasks).some((t) => t.status === 'pending' || t.status === 'ready' || t.status === 'running');
  if (!active) expect(s.meta.status, `${where}: nothing left to do but the run is still ${s.meta.status}`).to.not.equal('running');
}

const RESTART = { action: 'restart', delayMs: 1000, attempt: 1 } as const;

describe('run end: every ordering of exit / worker death / lease expiry / restart (pure)', () => {
  for (const lostBefore of [0, 1]) {
    for (const outcome of ['ok', 'fails'] as const) {
      it(`task ${outcome === 'ok' ? 'succeeding' : 'failing'}, ${lostBefore} earlier worker loss(es): the run ends in all 120 orders`, () => {
        const { ctx, state } = setup();
        for (const order of permutations(EVENTS)) {
          let now = 2000;
          let s = state;
          const apply = (what: string, fn: (d: Draft) => unknown) => {
            const d = new Draft(s, now);
            fn(d);
            s = applyOps(structuredClone(s), d.ops);
            checkInvariant(s, `${order.join(' > ')} at ${what}`);
          };
          apply('heartbeats', (d) => {
            heartbeat(d, 1, 101, ['A']);
            heartbeat(d, 2, 102, ['B']);
          });
          if (lostBefore) s = { ...s, tasks: { ...s.tasks, x: { ...s.tasks.x!, lost: lostBefore } } };
          let fence = 0;
          apply('claim', (d) => (fence = claimFor(d, ctx, 1, ['A'])[0]!.fence));
          for (const ev of order) {
            now += 10;
            if (ev === 'pgid') apply(ev, (d) => started(d, 'x', fence, { pgid: 4242, start: 77 }));
            if (ev === 'exit') apply(ev, (d) => finish(d, ctx, { task: 'x', agent: 'A', fence, ok: outcome === 'ok', exitCode: outcome === 'ok' ? 0 : 1, durationMs: 5 }));
            if (ev === 'dies') apply(ev, (d) => groupFailed(d, ctx, 1, 'crashed', RESTART, 101, 'died'));
            if (ev === 'lease') {
              now += LEASE_MS + 1;
              apply(ev, (d) => {
                heartbeat(d, 2, 102, ['B']); // quad 2 lives on
                expireLeases(d, ctx);
              });
            }
            if (ev === 'restart') apply(ev, (d) => {
              groupRestarting(d, 1, 1);
              groupStarted(d, ctx, 1, 201, ['A']);
            });
          }
          // Then the system goes on: whoever is alive claims what is ready, and every attempt of
          // x kills its worker. The run must come to an end, never stall.
          for (let round = 0; round < 10 && s.meta.status === 'running'; round++) {
            now += 10;
            apply('heartbeats', (d) => {
              heartbeat(d, 1, 201, ['A']);
              heartbeat(d, 2, 102, ['B']);
            });
            let claim: { task: string; fence: number; quad: number; agent: string } | undefined;
            apply('claim again', (d) => {
              for (const [quad, agent] of [[1, 'A'], [2, 'B']] as const) {
                const c = claim ? undefined : claimFor(d, ctx, quad, [agent])[0];
                if (c) claim = { ...c, quad };
              }
            });
            if (!claim) break;
            const c = claim;
            if (c.task === 'x') {
              apply('x kills its worker again', (d) => groupFailed(d, ctx, c.quad, 'crashed', RESTART, 100 + c.quad, 'died'));
              apply('its group back', (d) => groupStarted(d, ctx, c.quad, 300 + c.quad, [c.agent]));
            } else apply(`${c.task} done`, (d) => finish(d, ctx, { task: c.task, agent: c.agent, fence: c.fence, ok: true, exitCode: 0, durationMs: 5 }));
          }
          expect(s.meta.status, `${order.join(' > ')}: the run should have ended`).to.equal('finished');
          expect(s.tasks.x!.status, order.join(' > ')).to.be.oneOf(['done', 'failed']);
          expect(Object.values(s.tasks).filter((t) => t.status === 'running'), order.join(' > ')).to.deep.equal([]);
        }
      });
    }
  }
});
