/**
 * Agent tasks end to end through `orchestrator run` with the fake CLIs: each outcome's state,
 * events, logs and exit code. The fakes check argv like the real CLIs (stream-json needs
 * --verbose, codex outside git needs --skip-git-repo-check, CLAUDECODE set is refused: the
 * tests set it, so a pass proves the orchestrator removed it).
 */
import { expect } from 'chai';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cli, events, removeDir, status, tempDir, writePlan } from '../helpers/cli.js';
import { fakeCalls, fakeEnv, FAKE_AGENTS_BIN } from '../helpers/fake-agents.js';
import { readState } from '../helpers/run-state.js';
import type { AgentTaskEvent } from '../../state/events.js';

const AGENTS = [
  { name: 'A1', quad: 1, cli: 'claude' },
  { name: 'A2', quad: 1, cli: 'codex' },
  { name: 'A3', quad: 1, cli: 'gemini' },
];

describe('agent tasks (fake CLIs, system)', function () {
  this.timeout(90_000);
  let dir: string;
  beforeEach(() => (dir = tempDir('orch-agents-')));
  afterEach(() => removeDir(dir));

  const run = (plan: string, env: Record<string, string> = {}) =>
    cli(['run', plan, '--run-dir', dir, '--agent-path', FAKE_AGENTS_BIN], { env: fakeEnv(join(dir, 'calls.jsonl'), env) });

  it('success with each CLI: files written, verify, tokens and sessions in status --json, transcript logs', async () => {
    const plan = writePlan(dir, [
      { id: 'C', agent: { cli: 'claude', prompt: 'Write the synth [file:voice/synth.py]', max_turns: 10 }, verify: 'test -f voice/synth.py' },
      { id: 'X', agent: { cli: 'codex', prompt: 'Write [file:x.txt]', model: 'gpt-5' } },
      { id: 'G', agent: { cli: 'gemini', prompt: 'Write [file:g.txt]' } },
      { id: 'D', agent: { cli: 'aider', prompt: 'Write [file:d.txt]' } },
    ], { agents: AGENTS });
    const r = await run(plan);
    expect(r.exitCode, r.stdout + r.stderr).to.equal(0);
    for (const f of ['voice/synth.py', 'x.txt', 'g.txt', 'd.txt']) expect(existsSync(join(dir, 'work', f)), f).to.equal(true);
    const s = (await status(dir)) as unknown as { tasks: Array<{ id: string; ai?: { cli: string; session?: string; totalTokens: number; turns: number; costUsd?: number } }>; agentTokens: number };
    const c = s.tasks.find((t) => t.id === 'C')!.ai!;
    expect(c.cli).to.equal('claude');
    expect(c.session).to.match(/^[0-9a-f-]{36}$/);
    expect(c.totalTokens).to.equal(1920 + 100 + 2000 + 480); // result.usage, not the per-message sums
    expect(c.costUsd).to.be.greaterThan(0);
    expect(s.tasks.find((t) => t.id === 'X')!.ai!.session).to.match(/^[0-9a-f-]{36}$/);
    expect(s.tasks.find((t) => t.id === 'D')!.ai!.totalTokens).to.be.greaterThan(0);
    expect(s.agentTokens).to.be.greaterThan(0);
    const calls = fakeCalls(join(dir, 'calls.jsonl'));
    const claude = calls.find((x) => x.cli === 'claude')!;
    expect(claude.argv.slice(0, 7)).to.deep.equal(['-p', 'Write the synth [file:voice/synth.py]', '--output-format', 'stream-json', '--verbose', '--session-id', c.session]);
    expect(claude.argv).to.include.members(['--permission-mode', 'acceptEdits', '--max-turns', '10']);
    expect(calls.find((x) => x.cli === 'codex')!.argv).to.deep.equal(['exec', '--json', '--skip-git-repo-check', '-m', 'gpt-5', '-s', 'workspace-write', 'Write [file:x.txt]']);
    expect(calls.find((x) => x.cli === 'gemini')!.argv).to.deep.equal(['-p', 'Write [file:g.txt]', '-o', 'stream-json', '--approval-mode', 'yolo']);
    expect(calls.find((x) => x.cli === 'aider')!.argv).to.deep.equal(['--message', 'Write [file:d.txt]', '--yes-always', '--no-auto-commits', '--no-pretty', '--no-stream']);
    const log = readFileSync(join(dir, 'logs', 'tasks', 'C.log'), 'utf8');
    expect(log).to.include('→ Edit voice/synth.py').and.include('→ Bash python -m pytest -q').and.include('= result: success');
    const types = events(dir).map((e) => e.type);
    expect(types).to.include('agent-session').and.include('agent-usage');
    expect(r.stdout).to.match(/agents: [\d ]+ tokens, \$[\d.]+ estimated in total/);
  });

  it('failures in words: max turns, token budget, crash without a result, a question with on_input fail', async () => {
    const plan = writePlan(dir, [
      { id: 'TURNS', agent: { cli: 'codex', prompt: '[scenario:max-turns]', max_turns: 3 } },
      { id: 'BUDGET', agent: { cli: 'claude', prompt: '[scenario:tokens]', budget: { tokens: 1_000_000 } } },
      { id: 'CRASH', agent: { cli: 'codex', prompt: '[scenario:crash]' } },
      { id: 'ASK', agent: { cli: 'claude', prompt: '[scenario:ask]' } },
    ], { agents: AGENTS });
    const r = await run(plan);
    expect(r.exitCode, r.stdout + r.stderr).to.equal(1);
    const s = await status(dir);
    const reason = (id: string) => s.tasks.find((t) => t.id === id)!.reason;
    expect(reason('TURNS')).to.equal('stopped after 3 turns');
    expect(reason('BUDGET')).to.match(/^token budget 1 000 000 exceeded at 1 \d{3} \d{3}$/);
    expect(reason('CRASH')).to.equal('codex exited with 1 without a result');
    expect(reason('ASK')).to.equal('needs input: Which database should I use, Postgres or SQLite?');
    const ev = events(dir);
    expect(ev.some((e) => e.type === 'agent-budget' && e.task === 'BUDGET')).to.equal(true);
    expect(ev.some((e) => e.type === 'agent-needs-input' && e.task === 'ASK')).to.equal(true);
    expect(readFileSync(join(dir, 'logs', 'tasks', 'CRASH.log'), 'utf8')).to.include('· Error: socket hang up');
  });

  it('a stalled agent climbs the ladder (SIGINT ignored, SIGTERM) and resumes from its session; a busy silent one is left alone', async () => {
    const plan = writePlan(dir, [
      { id: 'HANG', agent: { cli: 'claude', prompt: '[scenario:hang-tool]', stall: { idle: '1s', tool: '1s' } } },
      { id: 'BUSY', agent: { cli: 'codex', prompt: '[scenario:busy]', stall: { idle: '1s', tool: '1s' } } },
      { id: 'AFTER', agent: { cli: 'gemini', prompt: '[scenario:hang-result]', stall: { after_result: '1s' } } },
    ], { agents: AGENTS });
    const r = await run(plan, { FAKE_AGENT_BUSY_MS: '8000' });
    expect(r.exitCode, r.stdout + r.stderr).to.equal(0);
    const s = await readState(dir);
    expect(s!.tasks.HANG!.ai!.stalls).to.equal(1);
    const calls = fakeCalls(join(dir, 'calls.jsonl')).filter((c) => c.cli === 'claude');
    expect(calls).to.have.length(2);
    const session = calls[0]!.argv[calls[0]!.argv.indexOf('--session-id') + 1];
    expect(calls[1]!.argv.slice(0, 6)).to.deep.equal(['-p', 'continue', '--output-format', 'stream-json', '--verbose', '--resume']);
    expect(calls[1]!.argv[6]).to.equal(session);
    const ev = events(dir);
    expect(ev.filter((e): e is AgentTaskEvent => e.type === 'agent-stalled').map((e) => e.task)).to.deep.equal(['HANG']);
    // Hung after its result: stopped by the ladder, done with one attempt.
    expect(s!.tasks.AFTER).to.include({ status: 'done', attempts: 1 });
    expect(readFileSync(join(dir, 'logs', 'tasks', 'AFTER.log'), 'utf8')).to.match(/■ stopping: still running 1s after its result/);
    expect(readFileSync(join(dir, 'logs', 'tasks', 'HANG.log'), 'utf8')).to.match(/■ stopping: no event for \ds/).and.include('· (ignoring SIGINT)');
  });

  it('validate names a CLI that is not installed (exit 2, install hint); --agent-path finds the fakes', async () => {
    const plan = writePlan(dir, [{ id: 'T1', agent: { cli: 'codex', prompt: 'x' } }]);
    const env = { PATH: '/usr/bin:/bin', ORCHESTRATOR_AGENT_PATH: '' };
    const missing = await cli(['validate', plan], { env });
    expect(missing.exitCode).to.equal(2);
    expect(missing.stderr).to.include("error: agent CLI 'codex' (tasks T1) is not installed: not found on the PATH; install it with: npm install -g @openai/codex");
    expect(missing.stderr).to.not.match(/\n\s+at /); // no stack trace
    const found = await cli(['validate', plan, '--agent-path', FAKE_AGENTS_BIN], { env });
    expect(found.exitCode, found.stderr).to.equal(0);
  });

  it('the run budget: once spent, no new agent task starts, and the run says why', async () => {
    const plan = writePlan(dir, [
      { id: 'FIRST', agent: { cli: 'claude', prompt: 'a' } },
      { id: 'SECOND', needs: ['FIRST'], agent: { cli: 'claude', prompt: 'b' } },
    ], { agents: AGENTS, budget: { tokens: 3000 } });
    const r = await run(plan);
    expect(r.exitCode, r.stdout + r.stderr).to.equal(1);
    const s = await status(dir);
    expect(s.tasks.find((t) => t.id === 'FIRST')!.status).to.equal('done');
    expect(s.tasks.find((t) => t.id === 'SECOND')!.reason).to.equal('run token budget 3 000 exhausted (4 500 used): no new agent task starts');
    expect(fakeCalls(join(dir, 'calls.jsonl'))).to.have.length(1);
    expect(events(dir).some((e) => e.type === 'agent-budget' && e.task === 'SECOND')).to.equal(true);
  });
});
