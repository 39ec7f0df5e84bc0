/** Real child processes for the state-store tests: start, wait for a line, kill, wait for exit. */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { PACKAGE_ROOT } from '../../orchestrator/run-dir/paths.js';

const STORE_CHILD = fileURLToPath(new URL('./store-child.ts', import.meta.url));

export interface Child {
  proc: ChildProcess;
  stdout: string;
  stderr: string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts test/support/store-child.ts through tsx (see its header for the modes). */
export function storeChild(args: string[]): Child {
  const proc = spawn(process.execPath, ['--import', 'tsx', STORE_CHILD, ...args], { cwd: PACKAGE_ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
  const child: Child = {
    proc,
    stdout: '',
    stderr: '',
    exited: new Promise((resolve) => proc.once('exit', (code, signal) => resolve({ code, signal }))),
  };
  proc.stdout!.on('data', (d: Buffer) => (child.stdout += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (child.stderr += d.toString()));
  return child;
}

/** Resolves once the child has printed `line`; fails if it exits first or the deadline passes. */
export async function waitForLine(child: Child, line: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let gone = false;
  void child.exited.then(() => (gone = true));
  while (!child.stdout.split('\n').includes(line)) {
    if (gone) throw new Error(`child exited before "${line}": ${child.stderr}`);
    if (Date.now() > deadline) throw new Error(`timed out waiting for "${line}" from the child: ${child.stderr}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** SIGKILLs our own child (by its pid) and waits until it is gone. */
export async function killHard(child: Child): Promise<void> {
  if (child.proc.exitCode === null && child.proc.signalCode === null) child.proc.kill('SIGKILL');
  await child.exited;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
