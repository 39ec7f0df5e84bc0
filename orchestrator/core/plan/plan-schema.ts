/** The plan file's shape (zod). Semantic checks (ids, needs, cycles) live in plan.ts. */
import { z } from 'zod';
import { parseDuration } from '../text/duration.js';
import { PERMISSIONS } from '../agents/spec.js';

export const TASK_ID = /^[A-Za-z][A-Za-z0-9_.-]*$/;

// Messages here are shown to users as they are (plan-issues.ts adds the place and the value).
const DURATION_HINT = 'use seconds as a number, or 500ms / 30s / 5m / 1h';
const duration = z
  .union([z.number(), z.string()], { error: `expected a duration: ${DURATION_HINT}` })
  .refine((v) => parseDuration(v) !== undefined, { message: `is not a duration: ${DURATION_HINT}` });

const command = z.union(
  [z.string().min(1, 'must not be empty'), z.array(z.string()).min(1, 'must name a program')],
  { error: 'expected a command: a string (run by /bin/sh -c) or a list of strings (argv)' },
);

const workspace = z.enum(['shared', 'worktree'], { error: "expected 'shared' (every task in the workdir) or 'worktree' (each task in its own git worktree)" });

const wholeNumber = z.number().int('must be a whole number');
const nonNegInt = wholeNumber.min(0, 'must be 0 or more');

const oneOf = <T extends readonly [string, ...string[]]>(values: T) => z.enum(values, { error: `expected one of ${values.join(', ')}` });

/** `agent:` on a task: an AI coding CLI run headless (core/agents). */
export const agentTaskSchema = z.strictObject({
  cli: z.string().min(1, 'must not be empty').optional(),
  prompt: z.string().min(1, 'must not be empty').optional(),
  prompt_file: z.string().min(1, 'must not be empty').optional(),
  model: z.string().min(1, 'must not be empty').optional(),
  permission: oneOf(PERMISSIONS).optional(),
  max_turns: wholeNumber.min(1, 'must be 1 or more').optional(),
  budget: z.strictObject({ tokens: wholeNumber.min(1, 'must be 1 or more').optional(), wall: duration.optional() }).optional(),
  on_limit: oneOf(['pause', 'fail'] as const).optional(),
  limit_margin: duration.optional(),
  on_input: oneOf(['fail', 'wait'] as const).optional(),
  stall: z.strictObject({ idle: duration.optional(), tool: duration.optional(), after_result: duration.optional() }).optional(),
  args: z.array(z.string()).optional(),
});

export const presetSchema = z.strictObject({
  command: z.array(z.string()).min(1, 'must name a program'),
  output: z.literal('text', { error: "only 'text' output is supported for presets" }).optional(),
  limit_patterns: z.array(z.string()).optional(),
  input_patterns: z.array(z.string()).optional(),
});

export const taskSchema = z.strictObject({
  id: z.string().regex(TASK_ID, 'must match [A-Za-z][A-Za-z0-9_.-]*'),
  title: z.string().optional(),
  description: z.string().optional(),
  // One dependency may be written as a plain string, as GitHub Actions allows (needs: build).
  needs: z.union([z.string(), z.array(z.string())], { error: 'expected a task id or a list of task ids' }).optional(),
  role: z.string().optional(),
  run: command.optional(),
  agent: agentTaskSchema.optional(),
  verify: command.optional(),
  env: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()], { error: 'expected a string, a number or true/false' })).optional(),
  timeout: duration.optional(),
  retries: nonNegInt.max(100, 'must be at most 100').optional(),
  pty: z.boolean().optional(),
  estimate: duration.optional(),
  workspace: workspace.optional(),
});

export const agentSchema = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'must be a simple name (letters, digits, - _ .)'),
  quad: wholeNumber.min(1, 'quads are numbered from 1'),
  roles: z.array(z.string()).optional(),
  /** The agent's default AI CLI for `agent:` tasks. */
  cli: z.string().min(1, 'must not be empty').optional(),
});

export const quadSchema = z.strictObject({
  id: wholeNumber.min(1, 'quads are numbered from 1'),
  name: z.string().min(1, 'must not be empty'),
});

export const planSchema = z.strictObject({
  version: z.literal(1),
  name: z.string().min(1, 'must not be empty'),
  description: z.string().optional(),
  workdir: z.string().min(1, 'must not be empty').optional(),
  quads: z.array(quadSchema).optional(),
  agents: z.array(agentSchema).min(1, 'must list at least one agent').optional(),
  defaults: z
    .strictObject({ timeout: duration.optional(), retries: nonNegInt.max(100, 'must be at most 100').optional(), limit_margin: duration.optional() })
    .optional(),
  keep_alive: z.strictObject({ interval: duration.optional() }).optional(),
  alert_command: command.optional(),
  workspace: workspace.optional(),
  integration: z.string().optional(),
  git: z
    .union([
      z.literal('init'),
      z.strictObject({ init: z.boolean().optional(), author: z.string().optional() }),
    ], { error: "expected 'init' or a mapping { init: true, author: 'Name <email>' }" })
    .optional(),
  agent_presets: z.record(z.string().regex(/^[A-Za-z][A-Za-z0-9_-]*$/, 'preset names are simple words'), presetSchema).optional(),
  budget: z.strictObject({ tokens: wholeNumber.min(1, 'must be 1 or more').optional() }).optional(),
  tasks: z.array(taskSchema).min(1, 'the plan has no tasks: list at least one'),
});

export type RawPlan = z.infer<typeof planSchema>;

/** Field names per level, for did-you-mean on unknown keys. */
export const KNOWN_KEYS = {
  plan: Object.keys(planSchema.shape),
  task: Object.keys(taskSchema.shape),
  agent: Object.keys(agentSchema.shape),
  quad: Object.keys(quadSchema.shape),
  defaults: ['timeout', 'retries', 'limit_margin'],
  agentTask: Object.keys(agentTaskSchema.shape),
  preset: Object.keys(presetSchema.shape),
  stall: ['idle', 'tool', 'after_result'],
  budget: ['tokens', 'wall'],
  keep_alive: ['interval'],
  git: ['init', 'author'],
};
