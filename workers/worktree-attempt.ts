/**
 * A task attempt in worktree mode: reconcile the task's branch with what an earlier attempt
 * left, run the task in its worktree, commit what it changed, merge that into the integration
 * branch, remove the worktree. Each git step is logged to the task's log.
 */
import { appendPrivate } from '../state/private-file.js';
import type { TaskDef } from '../orchestrator/core/plan/plan-types.js';
import type { GitReport } from '../orchestrator/core/run/transitions.js';
import type { TaskWorkspaces } from '../orchestrator/run-dir/task-workspace.js';
import type { AttemptResult } from './task-runner.js';

/** What the worker reports of an attempt, whatever ran it. */
export type AttemptOutcome = Omit<AttemptResult, 'ai'>;

const short = (sha: string) => sha.slice(0, 12);

export async function worktreeAttempt<R extends AttemptOutcome>(
  ws: TaskWorkspaces, def: TaskDef, hash: string, logFile: string, run: (cwd: string) => Promise<R>,
): Promise<Partial<R> & AttemptOutcome & { git?: GitReport }> {
  const t0 = performance.now();
  const branch = ws.branch(def.id);
  const log = (line: string) => appendPrivate(logFile, `--- git: ${line} ---\n`);
  const done = (git: GitReport, note: string, res?: R): Partial<R> & AttemptOutcome & { git: GitReport } => ({
    ...res, ok: true, exitCode: res?.exitCode ?? 0, signal: null, aborted: false,
    durationMs: res?.durationMs ?? Math.round(performance.now() - t0), tail: [...(res?.tail ?? []), note], git,
  }) as Partial<R> & AttemptOutcome & { git: GitReport };
  let res: R | undefined;
  let commit: string | undefined;
  try {
    const p = await ws.prepare(def.id, hash);
    if (p.kind === 'merged') {
      log(`${short(p.commit)} was already merged as ${short(p.merge)} by an earlier attempt`);
      await ws.removeWorktree(def.id);
      return done({ branch, commit: p.commit, merge: p.merge }, `already merged (${short(p.merge)})`);
    }
    if (p.kind === 'run') {
      log(`worktree ${p.path} on ${branch} from ${short(p.base)}${p.recreated ? ` (re-created: ${p.recreated})` : ''}`);
      res = await run(p.cwd);
      if (!res.ok) return res;
      commit = await ws.commit(def.id, def.title, hash, p.path, p.base);
      if (!commit) {
        log('no changes: nothing to commit or merge');
        await ws.removeWorktree(def.id);
        return done({ branch }, 'no changes', res);
      }
      log(`committed ${short(commit)} on ${branch}`);
    } else {
      commit = p.commit;
      log(`${short(commit)} was committed by an earlier attempt: merging it without running again`);
    }
    const m = await ws.merge(def.id, def.title, hash, commit, p.kind === 'run');
    if (!m.merged) {
      log(`${m.reason}; worktree and branch ${branch} kept (orchestrator retry ${def.id} re-creates them on the integration tip)`);
      return {
        ...(res ?? done({ branch }, '')), ok: false, reason: m.reason, tail: [...(res?.tail ?? []), m.reason],
        git: { branch, commit, conflictWith: m.with },
      };
    }
    log(`merged into ${ws.settings.integration} as ${short(m.merge)}${m.already ? ' (already there)' : ''}`);
    await ws.removeWorktree(def.id);
    return done({ branch, commit, merge: m.merge }, `merged ${short(m.merge)}`, res);
  } catch (e) {
    const reason = `git: ${(e as Error).message}`;
    log(reason);
    return { ok: false, exitCode: null, signal: null, durationMs: Math.round(performance.now() - t0), tail: [reason], reason, aborted: res?.aborted ?? false } as Partial<R> & AttemptOutcome;
  }
}
