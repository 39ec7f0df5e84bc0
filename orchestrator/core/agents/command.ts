/**
 * The exact headless command line of each CLI (shared facts, section 1), for a first start or
 * a resume from a session. Pure: the caller picks the session id and writes prompt files.
 */
import type { AgentPreset, AgentSpec, Permission } from './spec.js';

export interface CommandInput {
  spec: AgentSpec;
  prompt: string;
  /** Claude: the session id the orchestrator chose (a UUID), for a first start. */
  sessionId?: string;
  /** Resume this session/thread instead of starting fresh (claude, codex). */
  resume?: string;
  preset?: AgentPreset;
}

export const RESUME_PROMPT = 'continue';

const CLAUDE_MODE: Record<Permission, string[]> = {
  'read-only': ['--permission-mode', 'plan'],
  workspace: ['--permission-mode', 'acceptEdits'],
  full: ['--permission-mode', 'bypassPermissions'],
};
const CODEX_SANDBOX: Record<Permission, string[]> = {
  'read-only': ['-s', 'read-only'],
  workspace: ['-s', 'workspace-write'],
  full: ['--dangerously-bypass-approvals-and-sandbox'],
};
// Headless gemini without yolo has no edit or shell tools: that is its read-only mode.
const GEMINI_MODE: Record<Permission, string[]> = {
  'read-only': ['--approval-mode', 'default'],
  workspace: ['--approval-mode', 'yolo'],
  full: ['--approval-mode', 'yolo'],
};

/** Can this CLI continue a session it was stopped in? */
export function canResume(cli: string): boolean {
  return cli === 'claude' || cli === 'codex';
}

export function agentCommand(c: CommandInput): string[] {
  const { spec } = c;
  const model = spec.model ? ['--model', spec.model] : [];
  switch (spec.cli) {
    case 'claude': {
      const session = c.resume ? ['--resume', c.resume] : c.sessionId ? ['--session-id', c.sessionId] : [];
      const turns = spec.maxTurns ? ['--max-turns', String(spec.maxTurns)] : [];
      return ['claude', '-p', c.resume ? RESUME_PROMPT : c.prompt, '--output-format', 'stream-json', '--verbose', ...session, ...CLAUDE_MODE[spec.permission], ...turns, ...model, ...spec.args];
    }
    case 'codex': {
      const m = spec.model ? ['-m', spec.model] : [];
      const head = ['codex', 'exec', '--json', '--skip-git-repo-check', ...m, ...CODEX_SANDBOX[spec.permission], ...spec.args];
      return c.resume ? [...head, 'resume', c.resume, RESUME_PROMPT] : [...head, c.prompt];
    }
    case 'gemini':
      return ['gemini', '-p', c.prompt, '-o', 'stream-json', ...GEMINI_MODE[spec.permission], ...(spec.model ? ['-m', spec.model] : []), ...spec.args];
    case 'aider':
      return ['aider', '--message', c.prompt, '--yes-always', '--no-auto-commits', '--no-pretty', '--no-stream', ...(spec.permission === 'read-only' ? ['--dry-run'] : []), ...model, ...spec.args];
    default: {
      if (!c.preset) throw new Error(`no preset for agent CLI '${spec.cli}'`);
      const fill = (a: string) => a.replaceAll('{prompt}', c.prompt).replaceAll('{model}', spec.model ?? '');
      return [...c.preset.command.map(fill), ...spec.args];
    }
  }
}

/** The command as a person would type it, the prompt shortened (for logs and the report). */
export function showCommand(argv: readonly string[], prompt: string): string {
  return argv.map((a) => (a === prompt && a.length > 40 ? '<prompt>' : /^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
}
