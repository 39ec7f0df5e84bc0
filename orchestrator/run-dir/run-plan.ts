/**
 * Reading the resolved plan of a run (the JSON copy `prepareRun` writes): all a worker group
 * needs, without the YAML parser and plan schema that loading a plan file takes.
 */
import { commandName } from './command-name.js';
import { existsSync, readFileSync } from 'node:fs';
import { StateError } from '../../state/errors.js';
import type { Plan } from '../core/plan/plan-types.js';
import type { RunPaths } from './paths.js';

/** The resolved plan of a run, as written by `prepareRun`. */
export function readRunPlan(paths: RunPaths): Plan {
  if (!existsSync(paths.planCopy)) throw new StateError(`no run prepared in ${paths.runDir} (missing ${paths.planCopy})`, `Start one with ${commandName('run')} or ${commandName('launch')}.`);
  try {
    const plan = JSON.parse(readFileSync(paths.planCopy, 'utf8')) as Plan;
    if (plan.version !== 1 || !Array.isArray(plan.tasks)) throw new Error('unexpected content');
    return plan;
  } catch (e) {
    throw new StateError(`the run's plan copy ${paths.planCopy} is unreadable: ${(e as Error).message}`, 'Start over with --fresh.');
  }
}
