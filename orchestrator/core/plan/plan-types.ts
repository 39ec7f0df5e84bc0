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
  /** Absolute path of the file it came from. */
  file: string;
}
