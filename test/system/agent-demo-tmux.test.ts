/**
 * The demo plan (plans/agent-team.yaml) in the quad terminal on a private tmux server, with the
 * fake CLIs: twelve agents, four CLIs, every task done with its tokens in status --json, the
 * quad panes showing the agents' CLI lines and actions, the dashboard its agent columns.
 */
import { expect } from 'chai';
import { existsSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { removeDir, status, tempDir, waitFor } from '../helpers/cli.js';
import { TestServer } from '../helpers/tmux-server.js';
import { doneCount, runState } from '../helpers/run-state.js';
import { FAKE_AGENTS_BIN } from '../helpers/fake-agents.js';

describe('demo plan agent-team in the quad terminal (fake CLIs, private tmux)', function () {
  this.timeout(240_000);
  let server: TestServer;
  let dir: string;
  beforeEach(() => {
    server = new TestServer();
    dir = tempDir('agent-demo-');
  });
  afterEach(async () => {
    await server.cleanUp(dir);
    removeDir(dir);
  });

  it('completes with tokens per task; panes show CLI, turns, tokens and actions', async () => {
    const r = await server.cli(['launch', resolve('plans/agent-team.yaml'), '--socket', server.socket, '--run-dir', dir, '--size', '200x60', '--agent-path', FAKE_AGENTS_BIN],
      { FAKE_AGENT_TIME_SCALE: '0.5', FAKE_AGENT_LOG: join(dir, 'calls.jsonl') });
    expect(r.exitCode, r.stderr).to.equal(0);
    const panes = await server.panes();
    const quad1 = panes.find((p) => p.role === 'quad-1')!;
    // While it runs, a quad pane shows an agent's CLI summary and its transcript lines.
    const seen = await waitFor('an agent summary in a quad pane', async () => {
      const text = await server.capture(quad1.id);
      return /(claude|codex|gemini|aider) · \d+ turns? · [\d.]+k? tok/.test(text) && /→ (Edit|Bash|write_file)/.test(text) ? text : undefined;
    }, 120_000, 200);
    expect(seen).to.include('quad 1 ·');
    if (process.env.AGENT_DEMO_CAPTURE) writeFileSync(`${process.env.AGENT_DEMO_CAPTURE}.quad1.txt`, seen);
    await waitFor('12 tasks done', async () => doneCount(await runState(dir)) === 12 || undefined, 180_000, 500);
    const s = (await status(dir)) as unknown as { tasks: Array<{ id: string; status: string; ai?: { cli: string; totalTokens: number; session?: string } }> };
    for (const t of s.tasks) {
      expect(t.status, t.id).to.equal('done');
      expect(t.ai!.totalTokens, t.id).to.be.greaterThan(0);
    }
    expect(new Set(s.tasks.map((t) => t.ai!.cli))).to.deep.equal(new Set(['claude', 'codex', 'gemini', 'aider']));
    expect(existsSync(join(dir, 'build', 'agent-team', 'avatar', 'api.py'))).to.equal(true);
    const control = panes.find((p) => p.role === 'control')!;
    const dash = await waitFor('the dashboard agent columns', async () => {
      const text = await server.capture(control.id);
      return /TOKENS/.test(text) && /agents: [\d.]+k tokens/.test(text) ? text : undefined;
    }, 30_000, 300);
    expect(dash).to.match(/Core-Setup-Agent/);
    if (process.env.AGENT_DEMO_CAPTURE) writeFileSync(`${process.env.AGENT_DEMO_CAPTURE}.control.txt`, dash);
  });
});
