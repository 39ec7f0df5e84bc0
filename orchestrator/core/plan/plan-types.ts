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
  agentPresets?: Record<string, AgentPreset>;
  /** Token budget of the whole run (agent tasks). */
  budgetTokens?: number;
  /** --agent-path: first on the agents' PATH (absolute). */
  agentPath?: string;
  /** Absolute path of the file it came from. */
  file: string;
}
