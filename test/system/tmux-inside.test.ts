/**
 * `launch` started from inside a pane of a tmux server (the way this tool's users work): the
 * caller's pane keeps its title and options, the session gets its four panes once each, and
 * the control pane finds every quad (no second worker, no crash alert). Two private servers:
 * the caller's (`-L A`) and, in the first case, the one the session is launched on (`-L B`).
 */
import { expect } from 'chai';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLI_JS } from '../../orchestrator/run-dir/paths.js';
import { removeDir, tempDir, waitFor } from '../helpers/cli.js';
import { doneCount, runState } from '../helpers/run-state.js';
import { descendants, TestServer } from '../helpers/tmux-server.js';
import { readEvents } from '../../state/events.js';

const TASKS = 9;

describe('quad terminal: launch from inside tmux (two private servers)', function () {
  this.timeout(180_000);
  let caller: TestServer;
  let target: TestServer;
  let dir: string;
  beforeEach(() => {
    caller = new TestServer();
    target = new TestServer();
    dir = tempDir('inside-');
  });
  afterEach(async () => {
    await target.cleanUp(dir);
    await caller.cleanUp(dir);
  });

  /** Workers of this run (by their command line), per quad, among the processes of `server`. */
  /** The parent pid, from /proc/PID/stat (the field after the command's closing parenthesis). */
  const parentOf = (pid: number) => {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    } catch {
      return undefined;
    }
  };

  async function workersPerQuad(server: TestServer): Promise<Map<number, number>> {
    const roots = (await server.tmux(['list-panes', '-a', '-F', '#{pane_pid}']).catch(() => '')).split('\n').filter(Boolean).map(Number);
    const quadOf = new Map<number, number>();
    for (const pid of descendants(roots)) {
      let cmd = '';
      try {
        cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
      } catch {
        continue;
      }
      const m = / worker --quad (\d+) --run-dir (\S+)/.exec(cmd);
      if (m && m[2] === dir) quadOf.set(pid, Number(m[1]));
    }
    // A task the worker has forked and not yet exec'd still shows the worker's command line:
    // a match whose parent is a worker of the same quad is that, not a second worker.
    const out = new Map<number, number>();
    for (const [pid, quad] of quadOf) {
      if (quadOf.get(parentOf(pid) ?? 0) === quad) continue;
      out.set(quad, (out.get(quad) ?? 0) + 1);
    }
    return out;
  }

  /** The exit code the caller's pane wrote to `rc` once `launch` ended. */
  const launchExitCode = (rc: string) => waitFor('the launch to end', () => {
    try {
      return readFileSync(rc, 'utf8').trim() || undefined;
    } catch {
      return undefined;
    }
  }, 60_000, 100);

  async function launchFromInside(args: string[], onServer: TestServer): Promise<void> {
    const plan = join(dir, 'plan.yaml');
    writeFileSync(plan, ['version: 1', 'name: inside', 'workdir: work', 'tasks:', ...Array.from({ length: TASKS }, (_, i) => `  - { id: t${i + 1}, run: "sleep 0.5" }`), ''].join('\n'));
    const rc = join(dir, 'launch.rc');
    const script = `'${process.execPath}' '${CLI_JS}' launch ${args.join(' ')} --run-dir '${dir}' --size 120x40 '${plan}' > '${dir}/launch.out' 2>&1; echo $? > '${rc}'; exec sleep 300`;
    await caller.tmux(['new-session', '-d', '-s', 'mine', '-x', '120', '-y', '40', 'sh', '-c', script]);
    const mine = (await caller.panes('mine'))[0]!;
    const before = { title: mine.title, role: mine.role };
    const code = await launchExitCode(rc);
    expect(code, readFileSync(join(dir, 'launch.out'), 'utf8')).to.equal('0');

    // The caller's pane: same title, no role option, still the only pane of its session.
    const after = await caller.panes('mine');
    expect(after.map((p) => ({ title: p.title, role: p.role }))).to.deep.equal([before]);

    const quads = (await onServer.panes()).filter((p) => p.window === 'quads');
    expect(quads.map((p) => p.role)).to.deep.equal(['quad-1', 'quad-2', 'quad-3', 'control']);
    expect(quads.map((p) => p.title)).to.deep.equal(['Quad 1', 'Quad 2', 'Quad 3', 'Control']);

    // While the run goes, never two workers of one quad.
    let most = 0;
    await waitFor(`${TASKS} tasks done`, async () => {
      for (const n of (await workersPerQuad(onServer)).values()) most = Math.max(most, n);
      return doneCount(await runState(dir)) === TASKS || undefined;
    }, 120_000, 200);
    expect(most, 'workers of one quad at once').to.be.at.most(1);
    const events = readEvents(join(dir, 'logs', 'events.jsonl'));
    // One worker per quad over the whole run: each group started once (a second quad 1 would start again).
    const starts = events.filter((e) => e.type === 'group-started').map((e) => (e as { quad?: number }).quad).sort();
    expect(starts).to.deep.equal([1, 2, 3]);
    expect(events.filter((e) => /crash|restart|stale/.test(`${e.type} ${e.reason ?? ''}`)).map((e) => `${e.type} ${e.reason ?? ''}`)).to.deep.equal([]);
  }

  it('from a pane of another server: labels only its own panes', async () => {
    await launchFromInside(['--socket', target.socket], target);
  });

  it('from a pane of the same server (another session): labels only its own panes', async () => {
    await launchFromInside(['--socket', caller.socket], caller);
  });

  it('with --attach from a pane of a server no terminal is attached to: the run starts, the way to attach is said, exit 0', async () => {
    // Before, tmux's "no current client" for switch-client ended the launch with an internal error and a stack (exit 2).
    const plan = join(dir, 'plan.yaml');
    writeFileSync(plan, 'version: 1\nname: detached\ntasks:\n  - { id: a, run: "true" }\n');
    const rc = join(dir, 'launch.rc');
    // Its output goes to the pane (--attach needs a terminal), read back with capture-pane.
    const script = `'${process.execPath}' '${CLI_JS}' launch --attach --socket ${caller.socket} --run-dir '${dir}' '${plan}'; echo $? > '${rc}'; exec sleep 300`;
    await caller.tmux(['new-session', '-d', '-s', 'mine', '-x', '400', '-y', '40', 'sh', '-c', script]);
    const code = await launchExitCode(rc);
    const out = await caller.tmux(['capture-pane', '-p', '-J', '-t', 'mine']);
    expect(code, out).to.equal('0');
    expect(out).to.match(/no terminal is attached to this tmux server.*attach from a terminal: tmux -L \S+ attach -t orchestrator \(the run goes on\)/);
    expect(out).not.to.match(/internal error|\n\s+at /);
    await waitFor('the run to finish', async () => doneCount(await runState(dir)) === 1 || undefined, 60_000, 200);
  });
});
