/**
 * A usage limit with the fake CLIs: only that CLI pauses (in the state, so a restart of the run
 * keeps the pause), the task goes back to ready without using a retry and resumes from its
 * session after the reset; a worker group SIGKILLed mid-task leads to a resume, not a fresh start.
 */
import { expect } from 'chai';
import { join } from 'node:path';
import { execa } from 'execa';
import { CLI_JS } from '../../orchestrator/run-dir/paths.js';
import { cli, events, removeDir, status, tempDir, waitFor, writePlan } from '../helpers/cli.js';
import { fakeCalls, fakeEnv, FAKE_AGENTS_BIN } from '../helpers/fake-agents.js';
import { readState, runState } from '../helpers/run-state.js';
import { isEvent, type AgentTaskEvent } from '../../state/events.js';

const AGENTS = [
  { name: 'A1', quad: 1, cli: 'claude' },
  { name: 'A2', quad: 1, cli: 'claude' },
  { name: 'A3', quad: 1, cli: 'codex' },
];

describe('agent usage limits and lost workers (fake CLIs, system)', function () {
  this.timeout(120_000);
  let dir: string;
  beforeEach(() => (dir = tempDir('orch-agent-limit-')));
  afterEach(() => removeDir(dir));

  const start = (plan: string, env: Record<string, string>) =>
    execa(process.execPath, [CLI_JS, 'run', plan, '--run-dir', dir, '--agent-path', FAKE_AGENTS_BIN], { env: fakeEnv(join(dir, 'calls.jsonl'), env), reject: false, stdin: 'ignore' });

  it('pauses only claude, survives a restart of the run, resumes the session after reset + margin', async () => {
    const plan = writePlan(dir, [
      { id: 'LIMIT', agent: { cli: 'claude', prompt: 'work [scenario:limit]', limit_margin: '1s' } },
      { id: 'AFTER', needs: ['LIMIT'], agent: { cli: 'claude', prompt: 'then [file:after.txt]' } },
      { id: 'OTHER', agent: { cli: 'codex', prompt: 'meanwhile [scenario:slow]' } },
    ], { agents: AGENTS });
    // FAKE_AGENT_TIME_SCALE 2: the limit resets 6 s after it is hit.
    const first = start(plan, { FAKE_AGENT_TIME_SCALE: '2' });
    const limit = await waitFor('the agent-limit event', () => events(dir).find((e): e is AgentTaskEvent => e.type === 'agent-limit'), 60_000);
    expect(limit).to.include({ task: 'LIMIT', cli: 'claude' });
    const paused = await readState(dir);
    expect(paused!.meta.agentPauses!.claude).to.equal(limit.until);
    expect(paused!.tasks.LIMIT!.ai!.state).to.equal('paused');
    first.kill('SIGINT');
    expect((await first).exitCode).to.equal(130);

    const r = await cli(['run', plan, '--run-dir', dir, '--agent-path', FAKE_AGENTS_BIN], { env: fakeEnv(join(dir, 'calls.jsonl'), { FAKE_AGENT_TIME_SCALE: '0.3' }) });
    expect(r.exitCode, r.stdout + r.stderr).to.equal(0);
    const s = await status(dir);
    expect(s.tasks.find((t) => t.id === 'LIMIT')).to.include({ status: 'done' });
    const ev = events(dir);
    // No claude task started while claude was paused; codex went on.
    const claudeStarts = ev.filter(isEvent('started')).filter((e) => (e.task === 'LIMIT' || e.task === 'AFTER') && e.ts > limit.ts);
    expect(claudeStarts.length).to.be.greaterThan(0);
    for (const e of claudeStarts) expect(e.ts, `${e.task} started during the pause`).to.be.at.least(limit.until!);
    expect(ev.filter((e) => e.type === 'alert' && /usage limit/.test(e.reason ?? ''))).to.have.length(1);
    const calls = fakeCalls(join(dir, 'calls.jsonl')).filter((c) => c.cli === 'claude');
    const firstCall = calls.find((c) => c.argv[1] === 'work [scenario:limit]')!;
    const session = firstCall.argv[firstCall.argv.indexOf('--session-id') + 1];
    expect(calls.some((c) => c.argv.includes('--resume') && c.argv[c.argv.indexOf('--resume') + 1] === session)).to.equal(true);
    // The pause used no retry: retries is 0 and the task still got its second attempt.
    const st = await readState(dir);
    expect(st!.tasks.LIMIT!.ai!.limits).to.equal(1);
  });

  it('a worker group SIGKILLed mid-task: the task resumes from its session on the next claim', async () => {
    const plan = writePlan(dir, [{ id: 'LONG', agent: { cli: 'codex', prompt: 'long work [scenario:slow] [turns:6]' } }], { agents: AGENTS });
    const running = start(plan, { FAKE_AGENT_TIME_SCALE: '1' });
    const session = await waitFor('the codex thread in the state', async () => (await runState(dir))?.tasks.LONG?.ai?.session, 60_000);
    const pid = (await readState(dir))!.groups['1']!.pid!;
    process.kill(pid, 'SIGKILL');
    const r = await running;
    expect(r.exitCode, String(r.stdout) + String(r.stderr)).to.equal(0);
    const calls = fakeCalls(join(dir, 'calls.jsonl')).filter((c) => c.cli === 'codex');
    expect(calls.length).to.be.at.least(2);
    expect(calls[calls.length - 1]!.argv.slice(-3)).to.deep.equal(['resume', session, 'continue']);
  });
});
