/**
 * Running git: argv only (no shell), output captured, the environment cleaned of variables a
 * surrounding git (a hook, a `git rebase --exec`) would set, so every command acts on the
 * repository it is pointed at with -C and nothing else.
 */
import { execFile } from 'node:child_process';

export interface GitResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** A git command that failed where the caller needed it to succeed. */
export class GitError extends Error {
  constructor(readonly args: readonly string[], readonly result: GitResult) {
    const detail = (result.stderr || result.stdout).trim().split('\n').filter(Boolean).slice(-3).join(' / ');
    super(`git ${args.filter((a) => !a.includes('\n')).slice(0, 4).join(' ')} failed (exit ${result.code})${detail ? `: ${detail}` : ''}`);
    this.name = 'GitError';
  }
}

const INHERITED_GIT_VARS = ['GIT_DIR', 'GIT_WORK_TREE', 'GIT_INDEX_FILE', 'GIT_OBJECT_DIRECTORY', 'GIT_COMMON_DIR', 'GIT_PREFIX', 'GIT_NAMESPACE'];

let baseEnv: NodeJS.ProcessEnv | undefined;
function cleanEnv(): NodeJS.ProcessEnv {
  if (!baseEnv) {
    baseEnv = { ...process.env, GIT_TERMINAL_PROMPT: '0', LC_ALL: 'C' };
    for (const k of INHERITED_GIT_VARS) delete baseEnv[k];
  }
  return baseEnv;
}

export interface GitOptions {
  /** Extra environment (commit identities). */
  env?: Record<string, string>;
  input?: string;
}

/**
 * Set on every call: the user's hooks (a post-checkout on each `worktree add`, a post-commit)
 * are not the orchestrator's to run, and `git commit` would otherwise start a `git maintenance
 * run --auto` process after every task's commit.
 */
const NO_SIDE_PROCESSES = ['-c', 'core.hooksPath=/dev/null', '-c', 'maintenance.auto=false'];

/** Runs `git -C dir args…`; never throws for a non-zero exit (the caller reads `code`). */
export function git(dir: string, args: readonly string[], o: GitOptions = {}): Promise<GitResult> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      'git', ['-C', dir, ...NO_SIDE_PROCESSES, ...args],
      { env: o.env ? { ...cleanEnv(), ...o.env } : cleanEnv(), maxBuffer: 64 * 1024 * 1024, encoding: 'utf8' },
      (err, stdout, stderr) => {
        if (err && typeof (err as NodeJS.ErrnoException).code === 'string') {
          reject(new Error(`cannot run git: ${err.message}`));
          return;
        }
        const code = err ? Number((err as { code?: number }).code ?? 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
    if (o.input !== undefined) child.stdin?.end(o.input);
  });
}

/** `git … ` that must succeed: its stdout, trimmed. */
export async function gitOut(dir: string, args: readonly string[], o: GitOptions = {}): Promise<string> {
  const r = await git(dir, args, o);
  if (r.code !== 0) throw new GitError(args, r);
  return r.stdout.trim();
}

/** The commit a ref points at, or undefined when it does not exist. */
export async function revParse(dir: string, ref: string): Promise<string | undefined> {
  const r = await git(dir, ['rev-parse', '--verify', '-q', `${ref}^{commit}`]);
  return r.code === 0 ? r.stdout.trim() : undefined;
}

/** The environment that makes git commit as `who`, whatever the user's configuration says. */
export function identityEnv(who: { name: string; email: string }): Record<string, string> {
  return { GIT_AUTHOR_NAME: who.name, GIT_AUTHOR_EMAIL: who.email, GIT_COMMITTER_NAME: who.name, GIT_COMMITTER_EMAIL: who.email };
}
