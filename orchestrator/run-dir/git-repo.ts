/**
 * The repository a worktree-mode run works in: found (or, with `git: init`, created) for the
 * plan's workdir, git's version checked, the run's own files excluded from its status, the
 * integration branch created at the start of a fresh run, and the run's worktrees and branches
 * removed again on reset / --fresh.
 */
import { existsSync, mkdirSync, readFileSync, realpathSync, rmSync, appendFileSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { UsageError } from '../core/errors.js';
import type { GitSettings } from '../core/plan/plan-types.js';
import { gitVersionOk, MIN_GIT, parseGitVersion } from '../core/workspace/git-version.js';
import { taskBranchPrefix, worktreesDir } from '../core/workspace/names.js';
import { git, gitOut, identityEnv, revParse } from '../../workers/git/git.js';

/** Where a run's tasks find their repository. */
export interface RunRepo {
  /** The top of the user's checkout. */
  top: string;
  /** The workdir relative to the top ('' when it is the top): the tasks' cwd inside a worktree. */
  workdirRel: string;
}

/** git ≥ 2.38, or a UsageError naming what was found. */
export async function checkGitVersion(): Promise<void> {
  let text: string;
  try {
    text = await gitOut(process.cwd(), ['--version']);
  } catch (e) {
    throw new UsageError(`workspace: worktree needs git ${MIN_GIT.join('.')} or newer, and git could not be run (${(e as Error).message})`);
  }
  const v = parseGitVersion(text);
  if (!v || !gitVersionOk(v)) {
    throw new UsageError(`workspace: worktree needs git ${MIN_GIT.join('.')} or newer (for merge-tree --write-tree); found ${text.trim() || 'an unknown version'}`);
  }
}

/** The nearest existing folder at or above `dir`. */
function existingAncestor(dir: string): string {
  let d = dir;
  while (!existsSync(d) && dirname(d) !== d) d = dirname(d);
  return d;
}

async function topOf(dir: string): Promise<string | undefined> {
  const r = await git(existingAncestor(dir), ['rev-parse', '--show-toplevel']);
  return r.code === 0 && r.stdout.trim() ? r.stdout.trim() : undefined;
}

const real = (p: string) => (existsSync(p) ? realpathSync(p) : p);

/**
 * The repository of `workdir`. With `init`, the workdir is a repository of its own: created
 * with an empty initial commit unless it is one already. Without, the workdir must be inside
 * one that has a commit; `notRepo` builds the (located) plan error otherwise.
 */
export async function openRunRepo(workdir: string, g: GitSettings, notRepo: (message: string) => Error): Promise<RunRepo> {
  let top = await topOf(workdir);
  if (g.init && (!top || real(top) !== real(workdir))) {
    mkdirSync(workdir, { recursive: true });
    await gitOut(workdir, ['init', '-q']);
    top = workdir;
  }
  if (!top) throw notRepo(`the workdir ${workdir} is not inside a git repository: run \`git init\` there (and commit), or set \`git: init\` in the plan`);
  if (!(await revParse(top, 'HEAD'))) {
    if (!g.init) throw notRepo(`the repository ${top} has no commit yet: commit something first, or set \`git: init\` in the plan`);
    await gitOut(top, ['-c', 'commit.gpgsign=false', 'commit', '-q', '--allow-empty', '--no-verify', '-m', 'Initial commit (orchestrator: git init)'], { env: identityEnv(g.author) });
  }
  const rel = relative(real(top), real(existingAncestor(workdir)));
  const missing = relative(existingAncestor(workdir), workdir);
  return { top, workdirRel: join(rel, missing) === '.' ? '' : join(rel, missing) };
}

/**
 * Adds the run's own folders to the repository's info/exclude (it applies to every worktree),
 * when they are inside the checkout, so that `git status` there stays clean. Idempotent.
 */
export async function excludeRunFiles(repo: RunRepo, paths: readonly string[]): Promise<void> {
  const common = await gitOut(repo.top, ['rev-parse', '--git-common-dir']);
  const file = join(isAbsolute(common) ? common : resolve(repo.top, common), 'info', 'exclude');
  const have = existsSync(file) ? readFileSync(file, 'utf8').split('\n') : [];
  const lines: string[] = [];
  for (const p of paths) {
    const rel = relative(real(repo.top), real(existingAncestor(p)) + p.slice(existingAncestor(p).length));
    if (!rel || rel.startsWith('..') || isAbsolute(rel)) continue;
    const line = `/${rel.split(sep).join('/')}/`;
    if (!have.includes(line)) lines.push(line);
  }
  if (!lines.length) return;
  mkdirSync(dirname(file), { recursive: true });
  const head = have.some((l) => l.startsWith('# quad-orchestrator')) ? '' : '# quad-orchestrator: the run\'s own files\n';
  appendFileSync(file, `${have.length && have[have.length - 1] !== '' ? '\n' : ''}${head}${lines.join('\n')}\n`);
}

/** Which checkout has `branch` checked out, if any. */
async function checkedOutIn(top: string, branch: string): Promise<string | undefined> {
  const list = await gitOut(top, ['worktree', 'list', '--porcelain']);
  let path: string | undefined;
  for (const line of list.split('\n')) {
    if (line.startsWith('worktree ')) path = line.slice(9);
    else if (line === `branch refs/heads/${branch}`) return path;
  }
  return undefined;
}

/**
 * A fresh run: the integration branch starts at the checkout's HEAD. Returns a sentence about
 * an earlier tip it replaced (still reachable by that id), if any.
 */
export async function startIntegration(repo: RunRepo, g: GitSettings): Promise<string> {
  const where = await checkedOutIn(repo.top, g.integration);
  if (where) throw new UsageError(`the integration branch ${g.integration} is checked out in ${where}; switch that checkout to another branch first (the run moves it without touching any working tree)`);
  const head = (await revParse(repo.top, 'HEAD'))!;
  const old = await revParse(repo.top, `refs/heads/${g.integration}`);
  await gitOut(repo.top, ['update-ref', '-m', 'orchestrator: fresh run', `refs/heads/${g.integration}`, head]);
  const was = old && old !== head ? ` (it was at ${old.slice(0, 12)}, still reachable by that id)` : '';
  return `integration branch ${g.integration} starts at HEAD ${head.slice(0, 12)}${was}`;
}

/** A resumed run needs its integration branch. */
export async function checkIntegration(repo: RunRepo, g: GitSettings): Promise<void> {
  if (!(await revParse(repo.top, `refs/heads/${g.integration}`))) {
    throw new UsageError(`the integration branch ${g.integration} is gone from ${repo.top}; start over with --fresh`);
  }
}

export interface Removed {
  worktrees: string[];
  branches: string[];
}

/**
 * Removes the run's worktrees (those under its state folder) and its task branches. Works from
 * git's own list, so worktrees whose folder is already gone are pruned too.
 */
export async function removeRunWorkspaces(top: string, planName: string, stateDir: string): Promise<Removed> {
  const out: Removed = { worktrees: [], branches: [] };
  const under = real(worktreesDir(stateDir)) + sep;
  const list = await gitOut(top, ['worktree', 'list', '--porcelain']);
  for (const line of list.split('\n')) {
    if (!line.startsWith('worktree ')) continue;
    const path = line.slice(9);
    if (!(real(path) + sep).startsWith(under) && !(path + sep).startsWith(worktreesDir(stateDir) + sep)) continue;
    const r = await git(top, ['worktree', 'remove', '--force', '--force', path]);
    if (r.code !== 0) rmSync(path, { recursive: true, force: true });
    out.worktrees.push(path);
  }
  await git(top, ['worktree', 'prune']);
  const prefix = taskBranchPrefix(planName);
  const refs = await gitOut(top, ['for-each-ref', '--format=%(refname)', `refs/heads/${prefix}`]);
  for (const ref of refs.split('\n').filter(Boolean)) {
    await gitOut(top, ['update-ref', '-d', ref]);
    out.branches.push(ref.slice('refs/heads/'.length));
  }
  return out;
}

/** One line about what removeRunWorkspaces did, or undefined when there was nothing. */
export function removedText(r: Removed): string | undefined {
  if (!r.worktrees.length && !r.branches.length) return undefined;
  return `removed ${r.worktrees.length} task worktree(s) and ${r.branches.length} task branch(es)${r.branches.length ? ` (${r.branches.slice(0, 3).join(', ')}${r.branches.length > 3 ? ', …' : ''})` : ''}`;
}
