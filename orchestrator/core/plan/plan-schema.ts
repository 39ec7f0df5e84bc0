/** The plan file's shape (zod). Semantic checks (ids, needs, cycles) live in plan.ts. */
import { z } from 'zod';
import { parseDuration } from '../text/duration.js';

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

export const taskSchema = z.strictObject({
  id: z.string().regex(TASK_ID, 'must match [A-Za-z][A-Za-z0-9_.-]*'),
  title: z.string().optional(),
  description: z.string().optional(),
  needs: z.array(z.string()).optional(),
  role: z.string().optional(),
  run: command,
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
    .strictObject({ timeout: duration.optional(), retries: nonNegInt.max(100, 'must be at most 100').optional() })
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
  tasks: z.array(taskSchema).min(1, 'the plan has no tasks: list at least one'),
});

export type RawPlan = z.infer<typeof planSchema>;

/** Field names per level, for did-you-mean on unknown keys. */
export const KNOWN_KEYS = {
  plan: Object.keys(planSchema.shape),
  task: Object.keys(taskSchema.shape),
  agent: Object.keys(agentSchema.shape),
  quad: Object.keys(quadSchema.shape),
  defaults: ['timeout', 'retries'],
  keep_alive: ['interval'],
  git: ['init', 'author'],
};
