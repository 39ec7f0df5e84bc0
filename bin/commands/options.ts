/**
 * Parsers and help texts of command-line options the subcommands share. Kept apart from
 * shared.ts (which opens runs) so that registering the commands loads nothing heavy.
 */
import type { Command } from 'commander';
import { parseDuration } from '../../orchestrator/core/text/duration.js';
import { UsageError } from '../../orchestrator/core/errors.js';
import { INTERVAL_MAX_MS, INTERVAL_MIN_MS } from '../../orchestrator/core/supervision/health.js';

export function intOption(name: string, min: number, max: number): (v: string) => number {
  return (v: string) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`${name} must be an integer from ${min} to ${max}, got '${v}'`);
    return n;
  };
}

export const INTERVAL_HELP = "keep-alive check interval, 200ms..10s (default: the plan's keep_alive.interval, 2s)";

/** --interval: a duration (500ms, 2s, or seconds as a number) from 200 ms to 10 s. */
export function intervalOption(v: string): number {
  const ms = parseDuration(/^\d+(\.\d+)?$/.test(v) ? Number(v) : v);
  if (ms === undefined || ms < INTERVAL_MIN_MS || ms > INTERVAL_MAX_MS) throw new UsageError(`--interval must be a duration from 200ms to 10s (e.g. 2s, 500ms), got '${v}'`);
  return ms;
}

/** What `run`, `ha` and `launch` all take: which plan, where, how many agents, fresh or resumed. */
export interface RunCommandOptions {
  agents?: number;
  quads?: number;
  runDir?: string;
  fresh?: boolean;
  interval?: number;
  only?: string[];
  agentPath?: string;
}

/** --only a b, --only a,b, or --only a --only b: task ids, in order, once each. */
function onlyOption(v: string, prev: string[] = []): string[] {
  return [...new Set([...prev, ...v.split(',').map((s) => s.trim()).filter(Boolean)])];
}

/** Adds the options of RunCommandOptions (and the plan argument) to a command that starts a run. */
export function withRunOptions(cmd: Command): Command {
  return cmd
    .argument('[plan]', 'plan file; default: the bundled avatar-platform plan')
    .option('--run-dir <dir>', 'run directory (default: $ORCHESTRATOR_RUN_DIR or the current directory)')
    .option('--agents <n>', "number of agents (default: the plan's, 12)", intOption('--agents', 1, 256))
    .option('--quads <q>', "number of worker groups (default: the plan's, 3)", intOption('--quads', 1, 8))
    .option('--fresh', 'start over: move the old state aside')
    .option('--interval <duration>', INTERVAL_HELP, intervalOption)
    .option('--only <ids...>', 'run only these tasks and the tasks they need (after the plan: run plan.yaml --only a b)', onlyOption)
    .option('--agent-path <dir>', 'a folder put first on the PATH of agent CLIs, e.g. fake ones (default: $ORCHESTRATOR_AGENT_PATH)');
}
