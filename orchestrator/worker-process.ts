/** Starting a worker group as a child process of the built CLI. */
import { spawn, type ChildProcess } from 'node:child_process';
import { CLI_JS } from './paths.js';

export function workerArgs(runDir: string, quad: number): string[] {
  return [CLI_JS, 'worker', '--quad', String(quad), '--run-dir', runDir, '--plain'];
}

export function spawnWorker(runDir: string, quad: number, stdio: 'ignore' | 'inherit' = 'ignore'): ChildProcess {
  return spawn(process.execPath, workerArgs(runDir, quad), { stdio: ['ignore', stdio, 'inherit'] });
}
