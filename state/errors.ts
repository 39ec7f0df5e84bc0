/**
 * The state store's error family: it lives with the store so that state/ depends on nothing
 * above it. The CLI edge (bin/render-error.ts) renders it like the orchestrator's families.
 */

/** The state file or its folder is unusable; `hint` tells how to recover. */
export class StateError extends Error {
  readonly exitCode = 2;
  constructor(message: string, readonly hint?: string) {
    super(hint ? `${message}\n  ${hint}` : message);
    this.name = 'StateError';
  }
}
