/**
 * The keep-alive monitor's hands in quad mode: a worker group is the process of its tmux pane
 * (found by our `@orch-pane` option). Alive = the pane is not dead and its process runs;
 * start = `respawn-pane -k` of that same pane (a new pane only if the user closed it); kill =
 * end the pane process's whole tree; sweep = end tasks a killed worker left behind (found by
 * their environment). The monitor's checks are synchronous, so pane facts are
 * cached and refreshed by `refresh()` (the control process calls it every interval). The
 * session is addressed by its id (see Tmux.pinned), so a rename does not look like a crash.
 */
import type { GroupSupervisor } from '../../orchestrator/supervisors/keep-alive.js';
import type { QuadDef } from '../../orchestrator/core/plan/plan-types.js';
import type { RunPaths } from '../../orchestrator/run-dir/paths.js';
import { endStrayTasks } from '../../orchestrator/supervisors/worker-process.js';
import { descendants, endProcesses, pidAlive } from '../../workers/os/process-tree.js';
import { labelCommands, MAIN_WINDOW, paneEnvArgs, quadPaneName, quadTitle, startDirArgs, workerArgv, type CommandContext } from './layout.js';
import { addRecordedProcs, recordedProc } from './tmux-session-record.js';
import type { PaneInfo, Tmux } from './tmux.js';

export class TmuxSupervisor implements GroupSupervisor {
  private panes = new Map<number, PaneInfo>();
  private gone = false;

  constructor(
    private tmux: Tmux,
    private cmd: CommandContext,
    private quads: readonly QuadDef[],
    private paths: RunPaths,
  ) {}

  /**
   * Re-reads the panes of the session; keeps the last known facts if tmux does not answer.
   * A session tmux says is gone (killed by the user) stays gone: its pane processes are
   * ending on their hangup and hand their tasks back themselves.
   */
  async refresh(): Promise<void> {
    if (this.gone) return;
    const all = await this.tmux.panes();
    if (!all.length) {
      const presence = await this.tmux.presence();
      if (presence === 'unknown') return;
      if (presence === 'gone') this.gone = true;
    }
    const next = new Map<number, PaneInfo>();
    for (const q of this.quads) {
      const p = all.find((x) => x.role === quadPaneName(q.id));
      if (p) next.set(q.id, p);
    }
    this.panes = next;
  }

  /** The session was killed: nothing here crashed, and nothing can be restarted. */
  ended(): boolean {
    return this.gone;
  }

  pane(quad: number): PaneInfo | undefined {
    return this.panes.get(quad);
  }

  alive(quad: number): boolean {
    const p = this.panes.get(quad);
    return !!p && !p.dead && pidAlive(p.pid);
  }

  pid(quad: number): number | undefined {
    return this.panes.get(quad)?.pid;
  }

  async start(quad: number): Promise<number | undefined> {
    await this.refresh();
    const argv = workerArgv(this.cmd, quad);
    const p = this.panes.get(quad);
    if (p) {
      await this.tmux.respawn(p.id, argv, { cwd: this.cmd.runDir, env: paneEnvArgs(this.cmd.runDir) });
    } else {
      const q = this.quads.find((x) => x.id === quad) ?? { id: quad, name: `Quad ${quad}` };
      const win = this.tmux.target(MAIN_WINDOW);
      await this.tmux.chain([
        ['split-window', '-d', '-t', win, ...startDirArgs(this.cmd.runDir), '-P', '-F', '#{pane_id}', ...paneEnvArgs(this.cmd.runDir), ...argv],
        ['select-layout', '-t', win, 'tiled'],
      ]).then(async (out) => {
        const id = out.trim().split('\n')[0]!;
        await this.tmux.chain(labelCommands(id, { title: quadTitle(q), role: quadPaneName(quad) }));
      });
    }
    await this.refresh();
    const pid = this.pid(quad);
    if (pid) addRecordedProcs(this.paths, [recordedProc(pid, quadPaneName(quad))]);
    return pid;
  }

  /** Ends the pane's process and every process below it (task groups included), at once. */
  async kill(quad: number): Promise<void> {
    await this.refresh();
    const p = this.panes.get(quad);
    if (!p || p.dead) return;
    await endProcesses(descendants([p.pid]), { graceMs: 0 });
    const deadline = Date.now() + 3000;
    while (Date.now() < deadline) {
      await this.refresh();
      if (!this.alive(quad)) return;
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /**
   * Before a restart: ends task processes an earlier process of this quad left behind (found
   * by the run dir and agent in their environment), e.g. one started just before its worker
   * died, whose process group the state does not know yet. A live worker's own tree is kept.
   */
  async sweep(quad: number, agents: readonly string[]): Promise<void> {
    await endStrayTasks(this.cmd.runDir, agents, this.alive(quad) ? this.pid(quad) : undefined);
  }
}
