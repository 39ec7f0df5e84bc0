/** The located problems a plan load reports (tests of plan messages). */
import { PlanError, type PlanProblem } from '../../orchestrator/core/errors.js';

export function problemsOf(load: () => unknown): PlanProblem[] {
  try {
    load();
  } catch (e) {
    if (e instanceof PlanError) return e.problems;
    throw e;
  }
  throw new Error('expected a PlanError, but the plan was accepted');
}
