/** Rendering an error once, at the CLI edge: the full CLI and the lean worker entry share it. */
import { diskErrorOf, PlanError, UsageError } from '../orchestrator/core/errors.js';
import { StateError } from '../state/errors.js';

/** An error as the user sees it, and the exit code it maps to: the CLI and the lean worker entry share it. */
export function renderError(e: unknown, runDir = 'the run directory'): { code: number; message: string } {
  if (e instanceof PlanError) {
    return { code: 2, message: `plan error${e.problems.length > 1 ? `s (${e.problems.length})` : ''}:\n${e.message.split('\n').map((l) => `  ${l}`).join('\n')}` };
  }
  if (e instanceof StateError) return { code: 2, message: `state error: ${e.message}` };
  if (e instanceof UsageError) return { code: 2, message: `error: ${e.message}` };
  // A full or read-only disk is the user's situation, not a bug: the folder and the fix, no stack.
  const disk = diskErrorOf(e, runDir);
  if (disk) return { code: disk.exitCode, message: `error: ${disk.message}` };
  const err = e as Error;
  return { code: 2, message: `internal error: ${err?.stack ?? String(e)}` };
}
