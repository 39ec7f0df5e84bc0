/** The plan file's shape (zod). Semantic checks (ids, needs, cycles) live in plan.ts. */
import { z } from 'zod';
import { parseDuration } from './duration.js';

export const TASK_ID = /^[A-Za-z][A-Za-z0-9_.-]*$/;

const duration = z.union([z.number(), z.string()]).refine((v) => parseDuration(v) !== undefined, {
  message: 'is not a duration: use seconds as a number, or 500ms / 30s / 5m / 1h',
});

const command = z.union([
  z.string().min(1, 'must not be empty'),
  z.array(z.string()).min(1, 'must name a program'),
]);

const nonNegInt = z.number().int().min(0);

export const taskSchema = z.strictObject({
  id: z.string().regex(TASK_ID, 'must match [A-Za-z][A-Za-z0-9_.-]*'),
  title: z.string().optional(),
  description: z.string().optional(),
  needs: z.array(z.string()).optional(),
  role: z.string().optional(),
  run: command,
  verify: command.optional(),
  env: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
  timeout: duration.optional(),
  retries: nonNegInt.max(100).optional(),
  pty: z.boolean().optional(),
  estimate: duration.optional(),
});

export const agentSchema = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'must be a simple name (letters, digits, - _ .)'),
  quad: z.number().int().min(1),
  roles: z.array(z.string()).optional(),
});

export const quadSchema = z.strictObject({
  id: z.number().int().min(1),
  name: z.string().min(1),
});

export const planSchema = z.strictObject({
  version: z.literal(1),
  name: z.string().min(1),
  description: z.string().optional(),
  workdir: z.string().min(1).optional(),
  quads: z.array(quadSchema).optional(),
  agents: z.array(agentSchema).min(1, 'must list at least one agent').optional(),
  defaults: z
    .strictObject({ timeout: duration.optional(), retries: nonNegInt.max(100).optional() })
    .optional(),
  keep_alive: z.strictObject({ interval: duration.optional() }).optional(),
  alert_command: command.optional(),
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
};
