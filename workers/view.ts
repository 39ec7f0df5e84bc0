/**
 * What a worker group shows while it works. The plain view prints prefixed lines (logs, pipes,
 * non-TTY panes); the grid view (quad panes) draws the agents in a 2×2 grid.
 */
import type { TaskDef } from '../orchestrator/core/plan/plan-types.js';

export interface GroupView {
  groupStarted(quad: number, agents: readonly string[]): void;
  agentStarted(agent: string, task: TaskDef, attempt: number): void;
  agentOutput(agent: string, line: string): void;
  /** An AI agent's running summary (CLI, turns, tokens), when the view shows one. */
  agentProgress?(agent: string, summary: string): void;
  agentFinished(agent: string, task: TaskDef, ok: boolean, reason?: string): void;
  log(message: string): void;
  groupStopped(why: string): void;
}

const stamp = () => new Date().toISOString().slice(11, 23);

export class PlainView implements GroupView {
  constructor(private out: (line: string) => void = (l) => process.stdout.write(l + '\n'), private showOutput = true) {}

  groupStarted(quad: number, agents: readonly string[]): void {
    this.out(`${stamp()} quad ${quad} started (pid ${process.pid}): ${agents.join(', ')}`);
  }
  agentStarted(agent: string, task: TaskDef, attempt: number): void {
    this.out(`${stamp()} [${agent}] ${task.id} ${task.title}${attempt > 1 ? ` (attempt ${attempt})` : ''}`);
  }
  agentOutput(agent: string, line: string): void {
    if (this.showOutput) this.out(`${stamp()} [${agent}] | ${line}`);
  }
  agentFinished(agent: string, task: TaskDef, ok: boolean, reason?: string): void {
    this.out(`${stamp()} [${agent}] ${task.id} ${ok ? 'done' : `FAILED: ${reason}`}`);
  }
  log(message: string): void {
    this.out(`${stamp()} ${message}`);
  }
  groupStopped(why: string): void {
    this.out(`${stamp()} group ${why}`);
  }
}
