/**
 * The orchestrator's error families: the plan's and the invocation's. Each carries what the
 * user needs to fix the problem; the CLI edge (bin/render-error.ts) renders them once and maps
 * them to exit codes. The state's own family, StateError, lives with the store (state/errors.ts).
 */

/** One problem found in a plan, located as precisely as the input allows. */
export interface PlanProblem {
  file: string;
  line?: number;
  col?: number;
  task?: string;
  /** Set instead of `task` for problems in the plan's `agents` list. */
  agent?: string;
  field?: string;
  message: string;
}

export function formatProblem(p: PlanProblem): string {
  const where = p.line !== undefined ? `${p.file}:${p.line}:${p.col ?? 1}` : p.file;
  const ctx = [p.task ? `task ${p.task}` : '', p.agent ? `agent ${p.agent}` : '', p.field ? `field '${p.field}'` : ''].filter(Boolean).join(', ');
  return `${where}: ${ctx ? ctx + ': ' : ''}${p.message}`;
}

/** The plan cannot be used. Holds every problem found, not only the first. */
export class PlanError extends Error {
  readonly exitCode = 2;
  constructor(readonly problems: PlanProblem[]) {
    super(problems.map(formatProblem).join('\n'));
    this.name = 'PlanError';
  }
}

/** Wrong invocation: bad flag values, missing tools, a session already running. */
export class UsageError extends Error {
  readonly exitCode = 2;
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
