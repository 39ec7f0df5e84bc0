/** The agent stream parsers on lines as the real CLIs print them (shared facts), broken ones included. */
import { expect } from 'chai';
import { parserFor } from '../../orchestrator/core/agents/parser.js';
import { newAttempt, reduceAttempt, type AttemptView } from '../../orchestrator/core/agents/attempt.js';
import type { AgentEvent } from '../../orchestrator/core/agents/events.js';

const NOW = Date.UTC(2026, 7, 11, 15, 0, 0);
const clock = () => NOW;

function run(cli: string, lines: string[]): { events: AgentEvent[]; view: AttemptView } {
  const parse = parserFor(cli, clock);
  const events = lines.flatMap(parse);
  return { events, view: events.reduce((v, e) => reduceAttempt(v, e, NOW), newAttempt(cli, NOW)) };
}

describe('agent stream parsers', () => {
  it('claude: init, tool use, tool result, retry chatter and the result with totals', () => {
    const { events, view } = run('claude', [
      '{"type":"system","subtype":"init","cwd":"/w","session_id":"7f98a57c-1111-2222-3333-444455556666","tools":["Bash","Read","Edit"],"model":"claude-sonnet-4-5-20250929","permissionMode":"bypassPermissions","claude_code_version":"2.1.0","uuid":"u"}',
      '{"type":"assistant","message":{"id":"m1","role":"assistant","content":[{"type":"tool_use","id":"toolu_01","name":"Edit","input":{"file_path":"/w/voice/synth.py"}}],"usage":{"input_tokens":2,"output_tokens":4}},"session_id":"7f98a57c"}',
      '{"type":"user","message":{"role":"user","content":[{"tool_use_id":"toolu_01","type":"tool_result","content":"hi","is_error":false}]},"session_id":"7f98a57c"}',
      '{"type":"assistant","message":{"id":"m2","role":"assistant","content":[{"type":"tool_use","id":"toolu_02","name":"Bash","input":{"command":"python -m pytest"}}],"usage":{"input_tokens":2,"output_tokens":4}},"session_id":"7f98a57c"}',
      '{"type":"system","subtype":"api_retry","attempt":1,"max_retries":10,"retry_delay_ms":600,"error_status":529,"error":"overloaded"}',
      '{"type":"rate_limit_event","rate_limit_info":{"status":"allowed","resetsAt":1786302000,"rateLimitType":"five_hour","utilization":0.42},"session_id":"x"}',
      '{"is_error":false,"duration_api_ms":7617,"num_turns":2,"stop_reason":"end_turn","session_id":"7f98a57c","total_cost_usd":0.269648,"usage":{"input_tokens":4,"cache_creation_input_tokens":10650,"cache_read_input_tokens":48151,"output_tokens":157},"permission_denials":[],"terminal_reason":"completed","subtype":"success","api_error_status":null,"result":"done","type":"result","duration_ms":14478}',
    ]);
    expect(view.session).to.equal('7f98a57c-1111-2222-3333-444455556666');
    expect(view.version).to.equal('2.1.0');
    expect(view.actions).to.deep.equal(['Edit voice/synth.py', 'Bash python -m pytest']);
    expect(view.tokens).to.deep.equal({ input: 4, output: 157, cacheRead: 48151, cacheWrite: 10650, reasoning: 0 });
    expect(view.costUsd).to.equal(0.269648);
    expect(view.turns).to.equal(2);
    expect(view.result).to.include({ ok: true, terminal: 'completed' });
    expect(view.limit).to.equal(undefined);
    expect(events.filter((e) => e.kind === 'chatter')).to.have.length(1);
  });

  it('claude: a message split over lines counts one turn and its usage once', () => {
    const line = (block: string) => `{"type":"assistant","message":{"id":"same","content":[${block}],"usage":{"input_tokens":10,"output_tokens":5}}}`;
    const { view } = run('claude', [line('{"type":"text","text":"a"}'), line('{"type":"tool_use","id":"t","name":"Read","input":{"file_path":"x"}}')]);
    expect(view.turns).to.equal(1);
    expect(view.tokens.input).to.equal(10);
  });

  it('claude: error results give the reason in words, not the subtype', () => {
    expect(run('claude', ['{"type":"result","subtype":"error_max_turns","is_error":true,"num_turns":2,"errors":["Reached maximum number of turns (1)"]}']).view.result)
      .to.include({ ok: false, reason: 'stopped after 2 turns' });
    const auth = run('claude', ['{"type":"result","is_error":true,"terminal_reason":"api_error","subtype":"success","api_error_status":401,"result":"Invalid API key"}']).view;
    expect(auth.result).to.include({ ok: false });
    expect(auth.result!.reason).to.match(/API error 401: Invalid API key/);
    expect(auth.limit).to.equal(undefined);
  });

  it('claude: a rejected rate limit event and a 429 result are a limit; the exact epoch wins over words', () => {
    const { view } = run('claude', [
      '{"type":"rate_limit_event","rate_limit_info":{"status":"rejected","resetsAt":1786302000,"rateLimitType":"five_hour"}}',
      `{"type":"result","subtype":"success","is_error":true,"result":"You've hit your session limit · resets 8pm (America/New_York)","api_error_status":429,"terminal_reason":"api_error"}`,
    ]);
    expect(view.limit!.resetAt).to.equal(1786302000 * 1000);
    const words = run('claude', [`{"type":"result","subtype":"success","is_error":true,"result":"You've hit your session limit · resets 8pm (America/New_York)","api_error_status":429}`]).view;
    // 15:00 UTC on 11 Aug is 11:00 in New York (EDT): 8 pm there is 00:00 UTC the next day.
    expect(new Date(words.limit!.resetAt).toISOString()).to.equal('2026-08-12T00:00:00.000Z');
  });

  it('claude: AskUserQuestion and permission denials are needs-input', () => {
    const ask = run('claude', ['{"type":"assistant","message":{"id":"q","content":[{"type":"tool_use","id":"t","name":"AskUserQuestion","input":{"questions":[{"question":"Postgres or SQLite?"}]}}]}}']).view;
    expect(ask.question).to.equal('Postgres or SQLite?');
    const deny = run('claude', ['{"type":"result","subtype":"success","is_error":false,"num_turns":1,"permission_denials":[{"tool_name":"Bash","tool_use_id":"t","tool_input":{"command":"rm -rf build"}}]}']).view;
    expect(deny.denials).to.deep.equal(['permission denied: Bash rm -rf build']);
  });

  it('codex: thread, items, thread-total usage, retry chatter vs the terminal failure', () => {
    const { view, events } = run('codex', [
      '{"type":"thread.started","thread_id":"019fe715-0c25-72c3-878b-7728e09afc96"}',
      '{"type":"turn.started"}',
      '{"type":"error","message":"Reconnecting... 1/5 (stream disconnected)"}',
      '{"type":"item.started","item":{"id":"item_1","type":"command_execution","command":"bash -lc ls","status":"in_progress"}}',
      '{"type":"item.completed","item":{"id":"item_1","type":"command_execution","command":"bash -lc ls","aggregated_output":"a\\n","exit_code":0,"status":"completed"}}',
      '{"type":"item.completed","item":{"id":"item_2","type":"file_change","changes":[{"path":"src/app.py","kind":"add"}],"status":"completed"}}',
      '{"type":"item.completed","item":{"id":"item_0","type":"agent_message","text":"Hi!"}}',
      '{"type":"turn.completed","usage":{"input_tokens":13836,"cached_input_tokens":3456,"output_tokens":26,"reasoning_output_tokens":18}}',
    ]);
    expect(view.session).to.equal('019fe715-0c25-72c3-878b-7728e09afc96');
    expect(view.actions).to.deep.equal(['Bash bash -lc ls', 'Edit src/app.py']);
    expect(view.tokens).to.deep.equal({ input: 10380, cacheRead: 3456, output: 26, reasoning: 18, cacheWrite: 0 });
    expect(view.result).to.include({ ok: true });
    expect(view.limit).to.equal(undefined);
    expect(events.some((e) => e.kind === 'chatter' && /Reconnecting/.test(e.message))).to.equal(true);
  });

  it('codex: thread totals on a resume count only what is new', () => {
    const parse = parserFor('codex', clock);
    const base = { input: 10380, cacheRead: 3456, output: 26, reasoning: 18, cacheWrite: 0 };
    const v = parse('{"type":"turn.completed","usage":{"input_tokens":20836,"cached_input_tokens":3456,"output_tokens":126,"reasoning_output_tokens":18}}')
      .reduce((a, e) => reduceAttempt(a, e, NOW), newAttempt('codex', NOW, base));
    expect(v.tokens).to.include({ input: 7000, output: 100, cacheRead: 0 });
  });

  it('codex: the usage-limit error and turn.failed, request_user_input', () => {
    const { view } = run('codex', [
      `{"type":"error","message":"You've hit your usage limit. Upgrade to Pro or try again at 3:28 PM."}`,
      `{"type":"turn.failed","error":{"message":"You've hit your usage limit. Upgrade to Pro or try again at 3:28 PM."}}`,
    ]);
    expect(new Date(view.limit!.resetAt).toISOString()).to.equal('2026-08-11T15:28:00.000Z');
    expect(view.result).to.include({ ok: false });
    expect(run('codex', ['{"type":"request_user_input","id":"r","call_id":"c","questions":[{"id":"q","question":"Which port?"}]}']).view.question).to.equal('Which port?');
  });

  it('gemini: init, tools, result stats; the quota message and the turn limit', () => {
    const { view } = run('gemini', [
      '{"type":"init","timestamp":"t","session_id":"g-1","model":"gemini-2.5-pro"}',
      '{"type":"tool_use","timestamp":"t","tool_name":"write_file","tool_id":"1","parameters":{"file_path":"a.py"}}',
      '{"type":"tool_result","timestamp":"t","tool_id":"1","status":"success","output":"ok"}',
      '{"type":"result","timestamp":"t","status":"success","stats":{"total_tokens":300,"input_tokens":200,"output_tokens":100,"cached":50,"duration_ms":5,"tool_calls":1}}',
    ]);
    expect(view).to.include({ session: 'g-1', model: 'gemini-2.5-pro', turns: 1 });
    expect(view.tokens).to.include({ input: 150, cacheRead: 50, output: 100 });
    const quota = run('gemini', ['You have exhausted your capacity on this model. Your quota will reset after 2h52m39s.']).view;
    expect(quota.limit!.resetAt - NOW).to.equal((2 * 3600 + 52 * 60 + 39) * 1000);
    const turns = run('gemini', ['{"type":"result","status":"error","error":{"type":"MaxSessionTurnsError","message":"max"},"stats":{}}']).view;
    expect(turns.result).to.include({ ok: false, reason: 'stopped at the session turn limit' });
  });

  it('aider: the usage line with cache and cost, edits, everything else is text', () => {
    const { view, events } = run('aider', [
      'Aider v0.86.1',
      'Applied edit to voice/synth.py',
      'Tokens: 2.1k sent, 215 received, 100 cache write, 1.0k cache hit. Cost: $0.0094 message, $0.0188 session.',
    ]);
    expect(view.tokens).to.include({ input: 1000, output: 215, cacheWrite: 100, cacheRead: 1000 });
    expect(view.costUsd).to.equal(0.0188);
    expect(view.actions).to.deep.equal(['Edit voice/synth.py']);
    expect(events[0]).to.deep.equal({ kind: 'text', text: 'Aider v0.86.1' });
  });

  it('presets: their own limit and input patterns', () => {
    const parse = parserFor('mycli', clock, { command: ['mycli'], output: 'text', limitPatterns: ['quota exceeded'], inputPatterns: ['\\[y/n\\]'] });
    expect(parse('Error: quota exceeded')[0]).to.include({ kind: 'limit', resetAt: NOW + 5 * 3_600_000 });
    expect(parse('Overwrite file? [y/n]')[0]).to.deep.equal({ kind: 'needs-input', question: 'Overwrite file? [y/n]' });
  });

  it('unknown, broken and non-JSON lines are never fatal', () => {
    for (const cli of ['claude', 'codex', 'gemini']) {
      const { view } = run(cli, ['not json', '{"type":"brand_new_event","x":1}', '{"truncated": ', '[1,2]', '{"type":"result"', '', '{"type":"assistant","message":null}', '{"type":"user","message":{"content":"text"}}']);
      expect(view.result, cli).to.equal(undefined);
      expect(view.limit, cli).to.equal(undefined);
    }
  });
});
