/**
 * The one tmux client every tmux call of the orchestrator goes through (after overmind's
 * start/tmux.go): a private server when a socket name is given (`tmux -L NAME`), the user's
 * default server otherwise; answers are read through `-F` formats, never by scraping.
 * Session targets are always exact (`=NAME`): tmux would otherwise match name prefixes.
 */
import { execa } from 'execa';
import { UsageError } from '../../orchestrator/core/errors.js';

/**
 * tmux expands formats (`#{…}`, `#[…]`, and `#(…)`, which runs a shell command) in titles and
 * in start directories; plan text and paths are written with every `#` doubled, which tmux
 * reads as a literal `#`. (Commands, `-e` values and option values are not expanded.)
 */
export function tmuxLiteral(s: string): string {
  return s.replace(/#/g, '##');
}

/**
 * `-c DIR` for new-session, split-window, new-window, respawn-pane: the directory as a literal.
 * Here tmux keeps a run of `#` before `[` as it is (a style is left for drawing), so only the
 * other runs are doubled.
 */
export function startDirArgs(dir: string): string[] {
  return ['-c', dir.replace(/#+(?![#[])/g, (m) => m + m)];
}

export const DEFAULT_SESSION = 'orchestrator';
/** tmux 3.1: pane options (`set -p`) and commands given as argv. */
export const MIN_TMUX = [3, 1] as const;

export const INSTALL_HINT = 'tmux is not installed (or not on PATH). Install it — Debian/Ubuntu: sudo apt-get install -y tmux; Fedora: sudo dnf install tmux; macOS: brew install tmux — or run everything in one terminal instead: orchestrator run (./launch.sh run).';

export interface TmuxOptions {
  /** `tmux -L` socket name; undefined: the user's default server. */
  socket?: string;
  session?: string;
  /** The session's id (`$N`): once known, the target, so that a renamed session is still ours. */
  sessionId?: string;
}

/** Whether the session exists, as far as tmux answered. */
export type Presence = 'present' | 'gone' | 'unknown';

/** One pane as `list-panes` describes it. */
export interface PaneInfo {
  id: string;
  pid: number;
  dead: boolean;
  deadStatus?: number;
  /** Our pane option `@orch-pane` (quad-N / control), set by the launcher. */
  role: string;
  window: string;
  title: string;
  width: number;
  height: number;
  startCommand: string;
}

const PANE_FIELDS = ['#{pane_id}', '#{pane_pid}', '#{pane_dead}', '#{pane_dead_status}', '#{@orch-pane}', '#{window_name}', '#{pane_title}', '#{pane_width}', '#{pane_height}', '#{pane_start_command}'];
export const PANE_FORMAT = PANE_FIELDS.join('\t');

export function parsePaneLine(line: string): PaneInfo {
  const f = line.split('\t');
  const num = (s?: string) => (s === undefined || s === '' ? undefined : Number(s));
  return {
    id: f[0]!, pid: Number(f[1]), dead: f[2] === '1', deadStatus: num(f[3]), role: f[4] ?? '', window: f[5] ?? '',
    title: f[6] ?? '', width: Number(f[7]), height: Number(f[8]), startCommand: f.slice(9).join('\t'),
  };
}

/** execa reports a missing program as a failed result without an exit code (code ENOENT). */
function notInstalled(r: { failed: boolean; exitCode?: number; code?: string }): boolean {
  return r.failed && r.exitCode === undefined && (r.code === 'ENOENT' || r.code === 'EACCES');
}

export class TmuxError extends Error {
  constructor(readonly args: string[], readonly stderr: string, readonly exitCode?: number) {
    super(`tmux ${args.join(' ')}: ${stderr.trim() || `exit ${exitCode}`}`);
    this.name = 'TmuxError';
  }
}

/**
 * tmux's answers for a session or server that does not exist (a dead server leaves its socket:
 * refused). "no current target" is a server with no session left at all, as it is while it
 * shuts down after the last kill-session: tmux looks for a current session before the target.
 */
const GONE = /can't find session|no current target|no server running|\((No such file or directory|Connection refused)\)/;

/** What tmux answers, or `fallback` when it answered with an error (session or server gone); other errors propagate. */
async function orOnTmuxError<T, F>(answer: Promise<T>, fallback: F): Promise<T | F> {
  try {
    return await answer;
  } catch (e) {
    if (e instanceof TmuxError) return fallback;
    throw e;
  }
}

export function checkSessionName(name: string): string {
  // tmux turns ':' and '.' into '_' and would then not find the session under the given name.
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(name)) throw new UsageError(`session name '${name}' is not usable: letters, digits, '-' and '_' only`);
  return name;
}

export class Tmux {
  readonly socket?: string;
  readonly session: string;
  readonly sessionId?: string;

  constructor(o: TmuxOptions = {}) {
    this.socket = o.socket || undefined;
    this.session = checkSessionName(o.session || DEFAULT_SESSION);
    this.sessionId = o.sessionId && /^\$\d+$/.test(o.sessionId) ? o.sessionId : undefined;
  }

  /** Flags first, then ORCHESTRATOR_TMUX_SOCKET / ORCHESTRATOR_SESSION, then `fallback`, then the defaults. */
  static fromEnv(o: TmuxOptions = {}, env: NodeJS.ProcessEnv = process.env, fallback: TmuxOptions = {}): Tmux {
    return new Tmux({ socket: o.socket ?? env.ORCHESTRATOR_TMUX_SOCKET ?? fallback.socket, session: o.session ?? env.ORCHESTRATOR_SESSION ?? fallback.session });
  }

  /** The exact-match target of our session (its id once pinned), or of one of its windows. */
  target(window?: string): string {
    const s = this.sessionId ?? `=${this.session}`;
    return window === undefined ? s : `${s}:${window}`;
  }

  /**
   * This client aimed at the session by its id rather than its name: a long-lived watcher
   * (the control process) keeps finding its panes if the user renames the session, and a
   * gone session is never mistaken for a new one of the same name. Unchanged when tmux does
   * not answer.
   */
  async pinned(): Promise<Tmux> {
    if (this.sessionId) return this;
    const id = await this.currentSessionId();
    return id ? this.withSessionId(id) : this;
  }

  /** The id tmux gave the session now (ids are unique within one server's life only). */
  async currentSessionId(): Promise<string | undefined> {
    const id = (await orOnTmuxError(this.run(['display-message', '-p', '-t', `${this.target()}:`, '#{session_id}']), '')).trim();
    return /^\$\d+$/.test(id) ? id : undefined;
  }

  withSessionId(id: string): Tmux {
    return new Tmux({ socket: this.socket, session: this.session, sessionId: id });
  }

  /** Arguments that reach our server, for commands shown to the user. */
  get serverArgs(): string[] {
    return this.socket ? ['-L', this.socket] : [];
  }

  /** How the user reaches this session with plain tmux (for messages). */
  describe(cmd: 'attach' | 'kill-session'): string {
    return ['tmux', ...this.serverArgs, cmd, '-t', this.session].join(' ');
  }

  /** Runs one tmux command (or a `;`-chained list) and returns its stdout. */
  async run(args: string[]): Promise<string> {
    const r = await execa('tmux', [...this.serverArgs, ...args], { reject: false, stdin: 'ignore', timeout: 15_000, env: this.commandEnv(), extendEnv: false });
    if (notInstalled(r)) throw new UsageError(INSTALL_HINT);
    if (r.exitCode !== 0) throw new TmuxError(args, String(r.stderr), r.exitCode);
    return String(r.stdout);
  }

  /**
   * The environment of a tmux command: without TMUX_PANE (tmux would take the caller's pane as
   * the current one), and without TMUX when a socket is named (the caller's server is not ours).
   * With no socket, TMUX stays: launched from inside tmux, the session goes on that server.
   */
  commandEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
    const out = { ...env };
    delete out.TMUX_PANE;
    if (this.socket) delete out.TMUX;
    return out;
  }

  /** Runs several commands in one tmux invocation: they execute back to back in the server. */
  chain(commands: string[][]): Promise<string> {
    return this.run(commands.flatMap((c, i) => (i ? [';', ...c] : c)));
  }

  /** tmux is installed and new enough; throws a UsageError telling how to get it otherwise. */
  async ensureAvailable(): Promise<string> {
    const r = await execa('tmux', ['-V'], { reject: false, stdin: 'ignore' });
    if (notInstalled(r) || r.exitCode !== 0) throw new UsageError(INSTALL_HINT);
    const version = String(r.stdout).trim();
    const m = /(\d+)\.(\d+)/.exec(version);
    if (m && (Number(m[1]) < MIN_TMUX[0] || (Number(m[1]) === MIN_TMUX[0] && Number(m[2]) < MIN_TMUX[1]))) {
      throw new UsageError(`${version} is too old: the quad terminal needs tmux ${MIN_TMUX.join('.')} or newer`);
    }
    return version;
  }

  async hasSession(): Promise<boolean> {
    return (await this.presence()) === 'present';
  }

  /**
   * 'gone' only when tmux says so (no such session, no server); a command that timed out or
   * could not reach a busy server says nothing about the session: 'unknown'.
   */
  async presence(): Promise<Presence> {
    try {
      await this.run(['has-session', '-t', this.target()]);
      return 'present';
    } catch (e) {
      if (e instanceof TmuxError) return e.exitCode === 1 && GONE.test(e.stderr) ? 'gone' : 'unknown';
      throw e;
    }
  }

  /** presence(), asked again while tmux gives no answer (a busy or shutting-down server), for up to `ms`. */
  async settledPresence(ms: number): Promise<Presence> {
    const until = Date.now() + ms;
    for (;;) {
      const p = await this.presence().catch((): Presence => 'unknown');
      if (p !== 'unknown' || Date.now() >= until) return p;
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** Every pane of the session (all windows); [] when the session or server is gone. */
  async panes(): Promise<PaneInfo[]> {
    const out = await orOnTmuxError(this.run(['list-panes', '-s', '-t', this.target(), '-F', PANE_FORMAT]), '');
    return out.split('\n').filter(Boolean).map(parsePaneLine);
  }

  /** A user option (`@name`) of the session; undefined when unset or the session is gone. */
  async sessionOption(name: string): Promise<string | undefined> {
    const v = await orOnTmuxError(this.run(['show-options', '-v', '-t', `${this.target()}:`, name]), '');
    return v.trim() || undefined;
  }

  /** Restarts a pane's command in place (the pane keeps its id, title and position). */
  async respawn(pane: string, argv: string[], o: { cwd?: string; env?: string[] } = {}): Promise<void> {
    await this.run(['respawn-pane', '-k', '-t', pane, ...(o.cwd ? startDirArgs(o.cwd) : []), ...(o.env ?? []), ...argv]);
  }

  async killSession(): Promise<boolean> {
    return orOnTmuxError(this.run(['kill-session', '-t', this.target()]).then(() => true), false);
  }

  /** The server's socket path (to tell whether we are inside that same server). */
  async socketPath(): Promise<string> {
    return (await this.run(['display-message', '-p', '-t', `${this.target()}:`, '#{socket_path}'])).trim();
  }

  /**
   * Puts the user's terminal on the session: `switch-client` when already inside a client of
   * this server, `attach-session` otherwise (with $TMUX cleared, so tmux does not refuse to nest).
   */
  async attach(env: NodeJS.ProcessEnv = process.env): Promise<number> {
    const inside = env.TMUX?.split(',')[0];
    if (inside && inside === (await this.socketPath())) {
      try {
        await this.run(['switch-client', '-t', this.target()]);
      } catch (e) {
        // A pane of a server no terminal is attached to (a detached session, a script run by
        // tmux): there is no client to switch, and nesting an attach in this pane would be worse.
        if (e instanceof TmuxError && /no current client/.test(e.stderr)) {
          throw new UsageError(`no terminal is attached to this tmux server, so there is nothing to switch to session '${this.session}'; attach from a terminal: ${this.describe('attach')}`);
        }
        throw e;
      }
      return 0;
    }
    const childEnv = { ...env };
    delete childEnv.TMUX;
    delete childEnv.TMUX_PANE;
    const r = await execa('tmux', [...this.serverArgs, 'attach-session', '-t', this.target()], { stdio: 'inherit', reject: false, env: childEnv, extendEnv: false });
    return r.exitCode ?? 1;
  }
}
