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

/** What the disk refuses: full (or over quota), or read-only. */
const DISK_CODES: Record<string, 'full' | 'read-only'> = { ENOSPC: 'full', EDQUOT: 'full', EROFS: 'read-only' };

/**
 * The disk refused a write: no space left, or a read-only file system. Names the folder and
 * the fix. Read-only is a usage error (exit 2: the run cannot work there at all); a full disk
 * interrupts a run, which resumes once space is freed.
 */
export class DiskError extends Error {
  readonly exitCode = 2;
  constructor(readonly kind: 'full' | 'read-only', readonly folder: string, readonly code: string) {
    super(kind === 'full'
      ? `no space left on the disk holding ${folder} (${code}): free some space there; then \`orchestrator run\` resumes the run where it stopped`
      : `${folder} is on a read-only file system (${code}): nothing of the run can be written there; make it writable, or use another --run-dir`);
    this.name = 'DiskError';
  }
}

/** `e` as a DiskError when the disk refused (the folder: the failed path's, else `folder`); else undefined. */
export function diskErrorOf(e: unknown, folder: string): DiskError | undefined {
  if (e instanceof DiskError) return e;
  const err = e as NodeJS.ErrnoException | undefined;
  const kind = err?.code ? DISK_CODES[err.code] : undefined;
  if (!kind) return undefined;
  return new DiskError(kind, err!.path ? dirnameOf(err!.path) : folder, err!.code!);
}

function dirnameOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i > 0 ? path.slice(0, i) : path;
}
