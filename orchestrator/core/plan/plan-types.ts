/** The validated, normalised plan: what every other part of the system consumes. */
import type { AgentPreset, AgentSpec } from '../agents/spec.js';

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
  /** Default AI CLI of this agent's `agent:` tasks. */
  cli?: string;
}

export interface TaskDef {
  id: string;
  title: string;
  needs: string[];
  role?: string;
  /** Exactly one of run and agent. */
  run?: Command;
  agent?: AgentSpec;
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
  agentPresets?: Record<string, AgentPreset>;
  /** Token budget of the whole run (agent tasks). */
  budgetTokens?: number;
  /** --agent-path: first on the agents' PATH (absolute). */
  agentPath?: string;
  /** Absolute path of the file it came from. */
  file: string;
}
