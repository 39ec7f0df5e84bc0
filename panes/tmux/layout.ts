/**
 * The quad terminal's layout, as pure functions: which panes (one per quad, then the control
 * pane), their titles and commands, and the grid tmux's `tiled` layout makes of them.
 */
import type { QuadDef } from '../../orchestrator/core/plan/plan-types.js';
import { CONTROL_SEAT_MARK, RUN_DIR_ENV, SUPERVISOR_ENV, workerArgs } from '../../orchestrator/supervisors/worker-process.js';

export const MAIN_WINDOW = 'quads';
export const LOGS_WINDOW = 'logs';
/** Our pane option naming each pane (its `role` in specs and the session record: `quad-N`, `control`): panes are found by it. */
export const PANE_OPTION = '@orch-pane';
/** Our session option holding the run directory, so `stop` finds the run from the session. */
export const RUN_DIR_OPTION = '@orch-run-dir';

export interface PaneSpec {
  role: string;
  quad?: number;
  title: string;
  argv: string[];
}

/**
 * `-e NAME=VALUE` arguments for new-session / split-window / respawn-pane. RUN_DIR_ENV is set
 * in every pane's environment (so in its tasks' too): a task left behind by a killed worker is
 * found by it (and ORCHESTRATOR_AGENT) — the same convention as child-process mode. The
 * supervisor marker names the control seat: a quad pane's supervisor is the session's control
 * process, whatever its pid (it starts last and may be respawned), and without one for good
 * the pane's workers stop (workers/supervisor-watch.ts).
 */
export function paneEnvArgs(runDir: string): string[] {
  return ['-e', `${RUN_DIR_ENV}=${runDir}`, '-e', `${SUPERVISOR_ENV}=${CONTROL_SEAT_MARK}`];
}

export interface CommandContext {
  /** The node binary (absolute: a pane's PATH is the tmux server's, not ours). */
  node: string;
  cliJs: string;
  runDir: string;
  session: string;
  socket?: string;
}

export const quadPaneName = (quad: number) => `quad-${quad}`;
export const CONTROL_PANE = 'control';

export function quadTitle(q: QuadDef): string {
  // A generic name (a plan without quads) is not repeated: "Quad 1", not "Quad 1 · Quad 1".
  return q.name === `Quad ${q.id}` ? q.name : `Quad ${q.id} · ${q.name}`;
}

export { startDirArgs, tmuxLiteral } from './tmux.js';
import { tmuxLiteral } from './tmux.js';

/**
 * The title and role of a pane, aimed at its id. Never at tmux's "current pane": launched from
 * inside tmux (the same server or another), that is the caller's own pane, which would be
 * renamed and tagged as a quad (and the real quad then looks missing to the control pane).
 */
export function labelCommands(paneId: string, p: { title: string; role: string }): string[][] {
  return [['select-pane', '-t', paneId, '-T', tmuxLiteral(p.title)], ['set-option', '-p', '-t', paneId, PANE_OPTION, p.role]];
}

/** A quad pane runs the workers' lean entry, as `run` does (the full CLI costs each pane 0.1 s and 7 MB). */
export function workerArgv(c: CommandContext, quad: number): string[] {
  return [c.node, ...workerArgs(c.runDir, quad, false)];
}

export function controlArgv(c: CommandContext): string[] {
  return [c.node, c.cliJs, 'control', '--run-dir', c.runDir, '--session', c.session, ...(c.socket ? ['--socket', c.socket] : [])];
}

export function logsArgv(logFile: string): string[] {
  return ['tail', '-n', '200', '-F', logFile];
}

/** The panes of the main window in creation order: the quads by id, then Control. */
export function paneSpecs(quads: readonly QuadDef[], c: CommandContext): PaneSpec[] {
  const sorted = [...quads].sort((a, b) => a.id - b.id);
  return [
    ...sorted.map((q) => ({ role: quadPaneName(q.id), quad: q.id, title: quadTitle(q), argv: workerArgv(c, q.id) })),
    { role: CONTROL_PANE, title: 'Control', argv: controlArgv(c) },
  ];
}

/** The grid tmux's `tiled` layout uses for n panes (layout-set.c: rows grow first). */
export function tiledShape(n: number): { cols: number; rows: number } {
  let rows = 1;
  let cols = 1;
  while (rows * cols < n) {
    rows++;
    if (rows * cols < n) cols++;
  }
  return { cols, rows };
}

/**
 * The approximate size of each pane of an n-pane tiled window of width × height cells:
 * one column of border between columns, one border/title line above each row.
 */
export function tiledPaneSize(n: number, width: number, height: number): { cols: number; rows: number; width: number; height: number } {
  const { cols, rows } = tiledShape(n);
  return { cols, rows, width: Math.floor((width - (cols - 1)) / cols), height: Math.floor((height - rows) / rows) };
}

/** Parses `--size 200x60`. */
export function parseSize(s: string): { width: number; height: number } | undefined {
  const m = /^(\d{2,4})x(\d{1,4})$/.exec(s.trim());
  if (!m) return undefined;
  const width = Number(m[1]);
  const height = Number(m[2]);
  return width >= 20 && height >= 5 && width <= 1000 && height <= 1000 ? { width, height } : undefined;
}
