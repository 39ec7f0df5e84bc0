/**
 * The plan format as JSON Schema, generated from the zod schema (so it never drifts): editors
 * validate and complete plans with it (`# yaml-language-server: $schema=...`). Shipped as
 * plan.schema.json; `orchestrator schema` prints it.
 */
import { z } from 'zod';
import { planSchema } from './plan-schema.js';

export const SCHEMA_ID = 'https://github.com/quad-orchestrator/quad-orchestrator/plan.schema.json';

export function planJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(planSchema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return { ...schema, $id: SCHEMA_ID, title: 'quad-orchestrator plan', description: 'A plan of tasks with dependencies, run by agents in worker groups (version 1).' };
}

export function planJsonSchemaText(): string {
  return JSON.stringify(planJsonSchema(), null, 2) + '\n';
}
