/**
 * Change detection: each task's hash covers its own definition and, Merkle-style, the hashes
 * of everything it needs, so changing one task re-runs it and everything downstream only.
 */
import { createHash } from 'node:crypto';
import { topoOrder, type Graph } from '../graph/graph.js';
import type { Plan } from './plan-types.js';

export function taskHashes(plan: Plan, graph: Graph): Map<string, string> {
  const order = topoOrder(graph) ?? [];
  const out = new Map<string, string>();
  for (const i of order) {
    const t = plan.tasks[i]!;
    const h = createHash('sha256');
    const env = Object.keys(t.env).sort().map((k) => [k, t.env[k]]);
    h.update(JSON.stringify({ id: t.id, run: t.run, verify: t.verify ?? null, env, pty: t.pty, workdir: plan.workdir, ...(t.agent && { agent: t.agent }) }));
    // Only when set, so that the hashes of shared-workdir plans stay what they were.
    if (t.workspace) h.update(`workspace:${t.workspace}:${plan.git?.integration ?? ''}`);
    for (const n of [...t.needs].sort()) h.update(out.get(n) ?? n);
    out.set(t.id, h.digest('hex').slice(0, 16));
  }
  return out;
}
