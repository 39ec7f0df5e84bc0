/** Where things live: the package itself, and a run's files under its run directory. */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

function findPackageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('cannot find the orchestrator package root');
    dir = up;
  }
  return dir;
}

export const PACKAGE_ROOT = findPackageRoot();
export const DEFAULT_PLAN = join(PACKAGE_ROOT, 'plans', 'avatar-platform.yaml');
export const CLI_BIN = join(PACKAGE_ROOT, 'bin', 'orchestrator');
/** The built CLI that child processes (workers, monitors) are started from. */
export const CLI_JS = join(PACKAGE_ROOT, 'dist', 'bin', 'cli.js');

/** The run directory: --run-dir, else ORCHESTRATOR_RUN_DIR, else the current directory. */
export function resolveRunDir(flag?: string): string {
  return resolve(flag ?? process.env.ORCHESTRATOR_RUN_DIR ?? process.cwd());
}

export interface RunPaths {
  runDir: string;
  stateDir: string;
  planCopy: string;
  logsDir: string;
  tasksLogDir: string;
  events: string;
  orchestratorLog: string;
  keepAliveLog: string;
  agentLog(name: string): string;
  taskLog(id: string): string;
}

export function runPaths(runDir: string): RunPaths {
  const stateDir = join(runDir, '.orchestrator');
  const logsDir = join(runDir, 'logs');
  return {
    runDir,
    stateDir,
    planCopy: join(stateDir, 'plan.json'),
    logsDir,
    tasksLogDir: join(logsDir, 'tasks'),
    events: join(logsDir, 'events.jsonl'),
    orchestratorLog: join(logsDir, 'orchestrator.log'),
    keepAliveLog: join(logsDir, 'keep_alive.log'),
    agentLog: (name) => join(logsDir, `${name}.log`),
    taskLog: (id) => join(logsDir, 'tasks', `${id}.log`),
  };
}
