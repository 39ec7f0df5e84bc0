/**
 * `launch --attach` exits with the run's outcome when the session ends under it: 130 when the
 * session is killed mid-run (the README's table), and 0 when the user only detaches.
 */
import { expect } from 'chai';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as pty from 'node-pty';
import { CLI_JS } from '../../orchestrator/run-dir/paths.js';
import { tempDir, waitFor } from '../helpers/cli.js';
import { TestServer } from '../helpers/tmux-server.js';

describe('quad terminal: launch --attach exit codes (real tmux, private socket)', function () {
  this.timeout(120_000);
  let server: TestServer;
  let dir: string;
  beforeEach(() => {
    server = new TestServer();
    dir = tempDir('attach-exit-');
  });
  afterEach(() => server.cleanUp(dir));

  async function attached(): Promise<{ term: pty.IPty; exit: Promise<number> }> {
    const plan = join(dir, 'plan.yaml');
    writeFileSync(plan, 'version: 1\nname: long\nworkdir: work\ntasks:\n  - { id: s1, run: "sleep 60" }\n');
    const env = { ...process.env, TERM: 'xterm-256color' } as Record<string, string>;
    delete env.TMUX;
    delete env.TMUX_PANE;
    const term = pty.spawn(process.execPath, [CLI_JS, 'launch', '--attach', '--socket', server.socket, '--run-dir', dir, plan], { cols: 120, rows: 40, env });
    const exit = new Promise<number>((r) => term.onExit((e) => r(e.exitCode)));
    await waitFor('a client on the session', async () => ((await server.tmux(['list-clients', '-F', '#{client_session}']).catch(() => '')).includes('orchestrator') || undefined), 60_000, 200);
    return { term, exit };
  }

  it('exits 130 when the session is killed mid-run', async () => {
    const { exit } = await attached();
    await server.tmux(['kill-session', '-t', '=orchestrator']);
    expect(await exit).to.equal(130);
  });

  it('exits 0 when the user detaches (the run goes on)', async () => {
    const { exit } = await attached();
    await server.tmux(['detach-client', '-s', '=orchestrator']);
    expect(await exit).to.equal(0);
    expect(await server.hasSession()).to.equal(true);
  });
});
