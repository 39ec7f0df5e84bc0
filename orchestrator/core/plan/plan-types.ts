/** The validated, normalised plan: what every other part of the system consumes. */

/** A command: a string runs through /bin/sh -c, a list is argv without a shell. */
export type Command = string | string[];

export interface QuadDef {
  id: number;
  name: string;
}

export interface AgentDef {
  name: string;
  quad: number;
  roles: string[];
}

export interface TaskDef {
  id: string;
  title: string;
  needs: string[];
  role?: string;
  run: Command;
  verify?: Command;
  env: Record<string, string>;
  timeoutMs: number;
  retries: number;
  pty: boolean;
  /** Position in the plan file: the last tie-breaker of the scheduler. */
  index: number;
  /** Expected duration when the plan gives one (benchmarks, estimates); learned durations win. */
  estimateMs?: number;
  /** Set when the task runs in its own git worktree (absent: the shared workdir). */
  workspace?: 'worktree';
}

/** Worktree mode's settings, present when some task runs in a worktree. */
export interface GitSettings {
  /** The workdir is made a repository of its own (with an initial commit) when it is not one. */
  init: boolean;
  /** The branch every task's work is merged into. */
  integration: string;
  author: { name: string; email: string };
  /** Resolved when a run is prepared (run-setup): the checkout's top and the workdir inside it. */
  repo?: { top: string; workdirRel: string };
}

export interface Plan {
  version: 1;
  name: string;
  description?: string;
  /** As written in the plan: relative to the run directory. */
  workdir: string;
  quads: QuadDef[];
  agents: AgentDef[];
  tasks: TaskDef[];
  keepAliveIntervalMs: number;
  alertCommand?: Command;
  git?: GitSettings;
  /** Absolute path of the file it came from. */
  file: string;
}
