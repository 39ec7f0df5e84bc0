/**
 * `orchestrator launch`: prepares the run (resuming an earlier state like `run` does), then
 * builds the quad session in one tmux invocation — one window of Q quad panes and a control
 * pane, tiled, each pane given its command directly (never typed into a shell), and a `logs`
 * window — using session- and window-scoped options only. It records the pane processes for
 * `stop`, and attaches when asked.
 */
import { CLI_JS, runPaths, type RunPaths } from '../../orchestrator/run-dir/paths.js';
import { refuseWhileAlive } from '../../orchestrator/supervisors/run-processes.js';
import { UsageError } from '../../orchestrator/core/errors.js';
import { prepareRun, type RunOptions } from '../../orchestrator/run-dir/run-setup.js';
import { LOGS_WINDOW, MAIN_WINDOW, RUN_DIR_OPTION, labelCommands, logsArgv, paneEnvArgs, paneSpecs, startDirArgs, type PaneSpec } from './layout.js';
import { commandName } from '../../orchestrator/run-dir/command-name.js';
import { exitCodeFor } from '../../orchestrator/core/text/report.js';
import { runStore } from '../../orchestrator/run-dir/run-store.js';
import { recordedProc, writeRecord } from './tmux-session-record.js';
import { DEFAULT_SESSION, Tmux, TmuxError } from './tmux.js';

export interface LaunchOptions extends RunOptions {
  attach?: boolean;
  session?: string;
  socket?: string;
  size?: { width: number; height: number };
  say?: (line: string) => void;
}

/** The flags that name this session again in follow-up commands. */
export function sessionFlags(t: Tmux): string {
  return `${t.socket ? ` --socket ${t.socket}` : ''}${t.session !== DEFAULT_SESSION ? ` --session ${t.session}` : ''}`;
}

export function alreadyRunningMessage(t: Tmux): string {
  const where = t.socket ? ` on tmux socket '${t.socket}'` : '';
  return `a tmux session '${t.session}' is already running${where}.\n  attach to it: ${commandName('attach')}${sessionFlags(t)}   (or: ${t.describe('attach')})\n  stop it:      ${commandName('stop')}${sessionFlags(t)}\n  or launch another one with --session NAME`;
}

export function noTerminalMessage(t: Tmux): string {
  return `--attach needs a terminal, and stdin/stdout are not one here. Launch without --attach, then attach from a terminal: ${commandName('attach')}${sessionFlags(t)} (or: ${t.describe('attach')})`;
}

/**
 * One tmux invocation of the session build. A step that creates a pane prints its id
 * (`-P -F '#{pane_id}'`) and names the spec to label it with.
 */
export interface BuildStep {
  commands: string[][];
  pane?: PaneSpec;
}

/** The tmux invocations that build the session, in order; every command names its target. */
export function buildSteps(t: Tmux, specs: PaneSpec[], o: { runDir: string; logFile: string; width: number; height: number }): BuildStep[] {
  const win = t.target(MAIN_WINDOW);
  const session = `${t.target()}:`;
  const printId = ['-P', '-F', '#{pane_id}'];
  const [first, ...rest] = specs;
  return [
    {
      pane: first!,
      commands: [
        ['new-session', '-d', '-s', t.session, '-n', MAIN_WINDOW, '-x', String(o.width), '-y', String(o.height), ...startDirArgs(o.runDir), ...printId, ...paneEnvArgs(o.runDir), ...first!.argv],
        // Right away, in the same invocation: a pane whose command exits early must stay visible.
        ['set-option', '-w', '-t', win, 'remain-on-exit', 'on'],
        ['set-option', '-w', '-t', win, 'pane-border-status', 'top'],
        ['set-option', '-w', '-t', win, 'pane-border-format', ' #{pane_title}#{?pane_dead, — exited,} '],
        ['set-option', '-t', session, 'mouse', 'on'],
        // A user's `destroy-unattached on` would end a detached launch at once.
        ['set-option', '-t', session, 'destroy-unattached', 'off'],
        ['set-option', '-t', session, RUN_DIR_OPTION, o.runDir],
      ],
    },
    ...rest.map((p) => ({ pane: p, commands: [['split-window', '-t', win, ...startDirArgs(o.runDir), ...printId, ...paneEnvArgs(o.runDir), ...p.argv], ['select-layout', '-t', win, 'tiled']] })),
    { commands: [['new-window', '-d', '-t', session, '-n', LOGS_WINDOW, ...startDirArgs(o.runDir), ...logsArgv(o.logFile)], ['select-window', '-t', win]] },
  ];
}

/** Runs the steps; each new pane is labelled before the next one starts (the control pane, last, finds the quads by their role). */
async function buildSession(tmux: Tmux, steps: BuildStep[]): Promise<void> {
  for (const step of steps) {
    const out = await tmux.chain(step.commands);
    if (!step.pane) continue;
    const id = out.trim().split('\n')[0] ?? '';
    if (!/^%\d+$/.test(id)) throw new TmuxError(step.commands[0]!, `no pane id in tmux's answer '${out.trim()}'`);
    await tmux.chain(labelCommands(id, step.pane));
  }
}

function defaultSize(): { width: number; height: number } {
  const out = process.stdout;
  return out.isTTY && out.columns && out.rows ? { width: out.columns, height: out.rows } : { width: 80, height: 24 };
}

export async function launchMain(o: LaunchOptions): Promise<number> {
  const say = o.say ?? ((l: string) => process.stdout.write(l + '\n'));
  const tmux = Tmux.fromEnv({ socket: o.socket, session: o.session });
  if (o.attach && !(process.stdin.isTTY && process.stdout.isTTY)) throw new UsageError(noTerminalMessage(tmux));
  await tmux.ensureAvailable();
  if (await tmux.hasSession()) throw new UsageError(alreadyRunningMessage(tmux));

  // Starting over under a live run would let its workers report into the new state.
  if (o.fresh) refuseWhileAlive(runPaths(o.runDir), 'start over (--fresh)');
  const run = await prepareRun(o);
  const { plan, paths } = run;
  const first = run.store.read();
  await run.store.close();
  if (run.movedAside) say(`previous state moved to ${run.movedAside}`);
  for (const note of run.notes) say(note);
  if (first.meta.status === 'finished') say('every task is already done: the panes will show the summary (use --fresh to run again)');

  const size = o.size ?? defaultSize();
  const specs = paneSpecs(plan.quads, { node: process.execPath, cliJs: CLI_JS, runDir: paths.runDir, session: tmux.session, socket: tmux.socket });
  const launchedAt = Date.now();
  try {
    await buildSession(tmux, buildSteps(tmux, specs, { runDir: paths.runDir, logFile: paths.orchestratorLog, ...size }));
  } catch (e) {
    if (!(e instanceof TmuxError)) throw e;
    // Another launch won the race for the name: its session is not ours to remove.
    if (/duplicate session/i.test(e.stderr)) throw new UsageError(alreadyRunningMessage(tmux));
    await tmux.killSession();
    throw new UsageError(`tmux could not build the session (${e.stderr.trim() || e.message})${/space/i.test(e.stderr) ? `: ${size.width}x${size.height} is too small for ${specs.length} panes; give a larger --size` : ''}`);
  }
  const panes = await tmux.panes();
  writeRecord(paths, {
    socket: tmux.socket, session: tmux.session, sessionId: await tmux.currentSessionId(), runDir: paths.runDir, launchedAt, launcherPid: process.pid,
    procs: panes.filter((p) => p.pid > 0).map((p) => recordedProc(p.pid, p.role || p.window)),
  });

  say(`${run.resumed ? 'resuming' : 'starting'} ${plan.name}: ${Object.keys(first.tasks).length} tasks, ${plan.agents.length} agents in ${plan.quads.length} quads, run dir ${paths.runDir}`);
  say(`tmux session '${tmux.session}'${tmux.socket ? ` (socket ${tmux.socket})` : ''}: ${specs.map((s) => s.title).join(' | ')}; window '${LOGS_WINDOW}' follows ${paths.orchestratorLog}`);
  say(`  watch: ${commandName('attach')}${sessionFlags(tmux)}   (or: ${tmux.describe('attach')})`);
  say(`  stop:  ${commandName('stop')}${sessionFlags(tmux)}     (or: ${tmux.describe('kill-session')})`);
  if (!o.attach) return 0;
  let code: number;
  try {
    code = await tmux.attach();
  } catch (e) {
    // Launched, but no terminal to show it on: the run goes on, as after a detach.
    if (!(e instanceof UsageError)) throw e;
    process.stderr.write(`${e.message} (the run goes on)\n`);
    return 0;
  }
  // Detached: the run goes on without us. The session gone: the run's own outcome (130 when
  // it was killed before the end, as the README's table says).
  if (await tmux.hasSession()) return code;
  return runOutcome(paths);
}

async function runOutcome(paths: RunPaths): Promise<number> {
  const store = runStore(paths);
  try {
    await store.open();
    const s = store.read();
    // A task ended by the kill may read as failed: the run was still interrupted.
    return s.meta.status === 'finished' ? exitCodeFor(s) : 130;
  } catch {
    return 130;
  } finally {
    await store.close().catch(() => undefined);
  }
}
