/**
 * A private tmux server for one test (`tmux -L orch-test-<random>`), never the user's
 * default server, and process-tree helpers that walk /proc independently of the code under
 * test. Only this server and the processes it started are ever killed.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { cli, removeDir, type CliResult } from './cli.js';

export interface TestPane {
  id: string;
  pid: number;
  dead: boolean;
  role: string;
  title: string;
  start: string;
  width: number;
  height: number;
  window: string;
}

export class TestServer {
  readonly socket = `orch-test-${randomBytes(4).toString('hex')}`;

  async tmux(args: string[]): Promise<string> {
    const r = await execa('tmux', ['-L', this.socket, ...args], { reject: false, stdin: 'ignore' });
    if (r.exitCode !== 0) throw new Error(`tmux ${args.join(' ')}: ${String(r.stderr)}`);
    return String(r.stdout);
  }

  async panes(session = 'orchestrator'): Promise<TestPane[]> {
    const fmt = ['#{pane_id}', '#{pane_pid}', '#{pane_dead}', '#{@orch-pane}', '#{pane_title}', '#{pane_width}', '#{pane_height}', '#{window_name}', '#{pane_start_command}'].join('\t');
    const out = await this.tmux(['list-panes', '-s', '-t', `=${session}`, '-F', fmt]).catch(() => '');
    return out.split('\n').filter(Boolean).map((l) => {
      const f = l.split('\t');
      return { id: f[0]!, pid: Number(f[1]), dead: f[2] === '1', role: f[3]!, title: f[4]!, width: Number(f[5]), height: Number(f[6]), window: f[7]!, start: f.slice(8).join('\t') };
    });
  }

  async hasSession(session = 'orchestrator'): Promise<boolean> {
    return this.tmux(['has-session', '-t', `=${session}`]).then(() => true, () => false);
  }

  capture(pane: string): Promise<string> {
    return this.tmux(['capture-pane', '-p', '-t', pane]);
  }

  /** The orchestrator CLI aimed at this server (flags first, so nothing falls back to the default server). */
  cli(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
    return cli(args, { env: { ORCHESTRATOR_TMUX_SOCKET: this.socket, ...env } });
  }

  /** After a test: stops the run in `runDir` on this server, ends the server and removes `runDir`. */
  async cleanUp(runDir: string): Promise<void> {
    await this.cli(['stop', '--socket', this.socket, '--run-dir', runDir, '--grace', '1000']).catch(() => undefined);
    await this.kill();
    removeDir(runDir);
  }

  /** Ends our server and every process it still has, and removes its socket file. */
  async kill(): Promise<void> {
    // Every session's panes, not only 'orchestrator': some tests make sessions of their own.
    const listed = await this.tmux(['list-panes', '-a', '-F', '#{pane_pid}']).catch(() => '');
    const roots = listed.split('\n').filter(Boolean).map(Number);
    await execa('tmux', ['-L', this.socket, 'kill-server'], { reject: false, stdin: 'ignore' });
    const left = descendants(roots).filter((p) => !gone(p));
    for (const p of left) kill(p, 'SIGKILL');
    const dir = join(process.env.TMUX_TMPDIR ?? '/tmp', `tmux-${process.getuid?.() ?? 0}`);
    rmSync(join(dir, this.socket), { force: true });
  }
}

function kill(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    /* gone */
  }
}

function stat(pid: number): { ppid: number; state: string } | undefined {
  try {
    const t = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = t.slice(t.lastIndexOf(')') + 2).split(' ');
    return { state: f[0]!, ppid: Number(f[1]) };
  } catch {
    return undefined;
  }
}

/** A process is gone when /proc no longer has it or it is a zombie waiting to be reaped. */
export function gone(pid: number): boolean {
  const s = stat(pid);
  return !s || s.state === 'Z' || s.state === 'X';
}

/** The roots and all their descendants by parent pid, from /proc. */
export function descendants(roots: number[]): number[] {
  const children = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const s = stat(Number(name));
    if (s) children.set(s.ppid, [...(children.get(s.ppid) ?? []), Number(name)]);
  }
  const out: number[] = [];
  const queue = [...roots];
  while (queue.length) {
    const p = queue.shift()!;
    if (out.includes(p) || !existsSync(`/proc/${p}`)) continue;
    out.push(p);
    queue.push(...(children.get(p) ?? []));
  }
  return out;
}

export async function waitGone(pids: number[], timeoutMs: number): Promise<number[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const left = pids.filter((p) => !gone(p));
    if (!left.length || Date.now() > deadline) return left;
    await new Promise((r) => setTimeout(r, 100));
  }
}

export function describePids(pids: number[]): string {
  return pids.map((p) => {
    try {
      return `${p}: ${readFileSync(`/proc/${p}/cmdline`, 'utf8').replace(/\0/g, ' ')}`;
    } catch {
      return `${p}: ?`;
    }
  }).join('\n');
}

