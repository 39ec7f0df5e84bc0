/** Which agent CLIs a plan uses that are not on the PATH (validate names them with an install hint). */
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import type { Plan } from '../../orchestrator/core/plan/plan-types.js';

export const INSTALL_HINTS: Record<string, string> = {
  claude: 'npm install -g @anthropic-ai/claude-code',
  codex: 'npm install -g @openai/codex',
  gemini: 'npm install -g @google/gemini-cli',
  aider: 'python -m pip install aider-install && aider-install',
};

export function onPath(program: string, path: string): boolean {
  if (program.includes('/')) return canRun(program);
  return path.split(delimiter).filter(Boolean).some((dir) => canRun(join(dir, program)));
}

function canRun(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Messages for each CLI the plan's agent tasks use and the PATH (agent path first) lacks. */
export function missingClis(plan: Plan, agentPath?: string, path = process.env.PATH ?? ''): string[] {
  const full = [agentPath ?? plan.agentPath, path].filter(Boolean).join(delimiter);
  const used = new Map<string, string[]>();
  for (const t of plan.tasks) {
    if (!t.agent) continue;
    const program = plan.agentPresets?.[t.agent.cli]?.command[0] ?? t.agent.cli;
    used.set(program, [...(used.get(program) ?? []), t.id]);
  }
  const out: string[] = [];
  for (const [program, tasks] of used) {
    if (onPath(program, full)) continue;
    const hint = INSTALL_HINTS[program];
    out.push(`agent CLI '${program}' (tasks ${tasks.join(', ')}) is not installed: not found on the PATH${hint ? `; install it with: ${hint}` : ''} (or give --agent-path DIR)`);
  }
  return out;
}
