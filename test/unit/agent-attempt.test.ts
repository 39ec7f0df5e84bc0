/** The attempt checks and verdict: budgets, turns, stalls (CPU-aware), limits, input, crashes. */
import { expect } from 'chai';
import { newAttempt, reduceAttempt, stopCheck, verdict, type AttemptView } from '../../orchestrator/core/agents/attempt.js';
import type { AgentEvent } from '../../orchestrator/core/agents/events.js';
import { DEFAULT_STALL, type AgentSpec } from '../../orchestrator/core/agents/spec.js';

const spec = (o: Partial<AgentSpec> = {}): AgentSpec => ({
  cli: 'claude', prompt: 'p', permission: 'workspace', onLimit: 'pause', limitMarginMs: 90_000, onInput: 'fail', stall: DEFAULT_STALL, args: [], ...o,
});
const feed = (events: AgentEvent[], at = 0): AttemptView => events.reduce((v, e) => reduceAttempt(v, e, at), newAttempt('claude', 0));
const exit0 = { code: 0, signal: null };

describe('agent attempt', () => {
  it('token budget over the whole task, in words', () => {
    const v = feed([{ kind: 'usage', scope: 'delta', tokens: { input: 13_550, output: 0 } }]);
    expect(stopCheck(v, spec({ budgetTokens: 2_000_000 }), 1, 2_000_000, false)).to.deep.equal({ kind: 'budget', reason: 'token budget 2 000 000 exceeded at 2 013 550' });
    expect(stopCheck(v, spec({ budgetTokens: 2_000_000 }), 1, 0, false)).to.equal(undefined);
  });
  it('turns past max_turns stop the agent (CLI caps are soft)', () => {
    const v = feed(Array.from({ length: 41 }, () => ({ kind: 'turn' }) as AgentEvent));
    expect(stopCheck(v, spec({ maxTurns: 40 }), 1, 0, false)).to.deep.equal({ kind: 'max-turns', reason: 'stopped after 40 turns' });
  });
  it('stalls: idle, a quiet tool, after the result; a busy process tree is no stall', () => {
    const s = spec({ stall: { idleMs: 1000, toolMs: 5000, afterResultMs: 500 } });
    expect(stopCheck(feed([]), s, 1001, 0, false)?.kind).to.equal('stalled');
    expect(stopCheck(feed([]), s, 1001, 0, true)).to.equal(undefined);
    const tool = feed([{ kind: 'tool-start', name: 'Bash', target: 'make' }]);
    expect(stopCheck(tool, s, 4000, 0, false)).to.equal(undefined);
    expect(stopCheck(tool, s, 5001, 0, false)!.reason).to.match(/while Bash make runs/);
    const done = feed([{ kind: 'result', ok: true }]);
    expect(stopCheck(done, s, 501, 0, true)!.reason).to.match(/after its result/);
  });
  it('verdicts: ok, error result, limit (pause or fail), needs input, crash without a result', () => {
    expect(verdict(feed([{ kind: 'result', ok: true }]), spec(), undefined, exit0)).to.deep.equal({ kind: 'ok' });
    expect(verdict(feed([{ kind: 'result', ok: false, reason: 'stopped after 2 turns' }]), spec(), undefined, { code: 1, signal: null })).to.deep.equal({ kind: 'failed', reason: 'stopped after 2 turns' });
    const limited = feed([{ kind: 'limit', resetAt: 99, message: 'five_hour limit reached', exact: true }, { kind: 'limit', resetAt: 5, message: 'words' }, { kind: 'result', ok: false }]);
    expect(verdict(limited, spec(), undefined, exit0)).to.deep.equal({ kind: 'limit', resetAt: 99, message: 'five_hour limit reached' });
    expect(verdict(limited, spec({ onLimit: 'fail' }), undefined, exit0)).to.deep.equal({ kind: 'failed', reason: 'usage limit: five_hour limit reached' });
    const denied = feed([{ kind: 'needs-input', question: 'permission denied: Bash rm -rf build' }, { kind: 'result', ok: true }]);
    expect(verdict(denied, spec(), undefined, exit0)).to.deep.equal({ kind: 'failed', reason: 'needs input: permission denied: Bash rm -rf build' });
    expect(verdict(denied, spec({ onInput: 'wait' }), undefined, exit0)).to.deep.equal({ kind: 'ok' });
    expect(verdict(feed([]), spec(), undefined, { code: 1, signal: null })).to.deep.equal({ kind: 'failed', reason: 'claude exited with 1 without a result' });
    expect(verdict(feed([]), spec({ cli: 'aider' }), undefined, exit0)).to.deep.equal({ kind: 'ok' });
    expect(verdict(feed([]), spec(), { kind: 'stalled', reason: 'x' }, { code: null, signal: 'SIGINT' })).to.deep.equal({ kind: 'stalled', reason: 'x' });
    // Hung after a successful result: stopped, and done (nothing to resume).
    expect(verdict(feed([{ kind: 'result', ok: true }]), spec(), { kind: 'stalled', reason: 'x' }, { code: null, signal: 'SIGTERM' })).to.deep.equal({ kind: 'ok' });
  });
});
