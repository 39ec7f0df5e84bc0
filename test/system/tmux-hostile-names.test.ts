/**
 * Plan text and paths given to tmux are never expanded as tmux formats: `#(...)` would run a
 * shell command, `#{...}` and `#[...]` expand. A run directory and a quad named with them, on
 * a private tmux server: the panes start in that directory, the title shows the name as text,
 * and no command runs.
 */
import { expect } from 'chai';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { removeDir, tempDir, waitFor, writePlan } from '../helpers/cli.js';
import { Gate } from '../helpers/gate.js';
import { doneCount, runState } from '../helpers/run-state.js';
import { TestServer } from '../helpers/tmux-server.js';

/** Every file named `pwned` under `dir`. */
function pwned(dir: string): string[] {
  return (readdirSync(dir, { recursive: true }) as string[]).filter((f) => f.split('/').pop() === 'pwned');
}

describe('tmux: hostile names and paths are text (real tmux, private socket)', function () {
  this.timeout(180_000);
  let server: TestServer;
  let parent: string;
  beforeEach(() => {
    server = new TestServer();
    parent = tempDir('orch-hostile-tmux-');
  });
  afterEach(async () => {
    await server.kill();
    removeDir(parent);
  });

  it('a run directory named with #(touch pwned) and a quad named #(touch pwned): panes start there, titles are text, nothing runs', async () => {
    const dir = join(parent, 'run #(touch $ORCH_PWNED) #{session_name} #[fg=red] ##[x] #');
    mkdirSync(dir);
    // B waits for the test, so the run (and every pane process) is alive while the panes'
    // directories are read: a pane whose process ended has no current path.
    const gate = new Gate(join(parent, 'gate'));
    const plan = writePlan(parent, [{ id: 'A', run: 'pwd > where.txt' }, { id: 'B', run: gate.command('B') }], {
      workdir: '.',
      quads: [{ id: 1, name: '#(touch $ORCH_PWNED)' }, { id: 2, name: '#{session_name} #[fg=red]' }],
      agents: [{ name: 'Agent-One', quad: 1 }, { name: 'Agent-Two', quad: 2 }],
    });
    // A command tmux ran would create this file (the tmux server inherits the environment).
    const marker = join(parent, 'pwned');
    const r = await server.cli(['launch', plan, '--socket', server.socket, '--run-dir', dir], { ORCH_PWNED: marker });
    expect(r.exitCode, r.stdout + r.stderr).to.equal(0);
    await gate.waitStarted(1, 120_000);
    const panes = await server.panes();
    const titles = panes.filter((p) => p.window === 'quads').map((p) => p.title);
    expect(titles).to.include('Quad 1 · #(touch ##ORCH_PWNED)'.replace('##', '$'));
    expect(titles).to.include('Quad 2 · #{session_name} ##[fg=red]'); // shown as #[fg=red]: '##[' is tmux's literal
    // tmux reads the path from /proc; it is empty for a moment while a pane's process starts.
    const paths = await waitFor('every pane has a current path', async () => {
      const all = (await server.tmux(['list-panes', '-s', '-t', '=orchestrator', '-F', '#{pane_current_path}'])).trim().split('\n');
      return all.every(Boolean) ? all : undefined;
    }, 30_000, 100);
    for (const p of paths) expect(p, 'a pane started outside the run directory').to.equal(dir);
    gate.release('B');
    await waitFor('both tasks done', async () => (doneCount(await runState(dir)) === 2 ? true : undefined), 120_000, 250);
    expect(existsSync(join(dir, 'where.txt'))).to.equal(true);
    await server.cli(['stop', '--socket', server.socket, '--run-dir', dir, '--grace', '1000']);
    await new Promise((res) => setTimeout(res, 1000)); // tmux runs #(...) jobs in the background
    expect(existsSync(marker), 'a #(...) in a name or path was run by tmux').to.equal(false);
    expect(pwned(parent)).to.deep.equal([]);
    expect(pwned(process.cwd())).to.deep.equal([]);
  });
});
