/** The seed's twelve agents in its three quads: the default when a plan names none. */
import type { AgentDef, QuadDef } from './plan-types.js';

export const DEFAULT_QUADS: QuadDef[] = [
  { id: 1, name: 'Core Build' },
  { id: 2, name: 'Services' },
  { id: 3, name: 'Deploy & QA' },
];

export const DEFAULT_AGENTS: AgentDef[] = [
  { name: 'Core-Setup-Agent', quad: 1, roles: ['core'] },
  { name: 'Voice-Synthesis-Agent', quad: 1, roles: ['voice'] },
  { name: 'Lip-Sync-Agent', quad: 1, roles: ['lipsync'] },
  { name: 'Avatar-Agent', quad: 1, roles: ['avatar'] },
  { name: 'Video-Agent', quad: 2, roles: ['video'] },
  { name: 'API-Agent', quad: 2, roles: ['api'] },
  { name: 'Models-Agent', quad: 2, roles: ['models'] },
  { name: 'Config-Agent', quad: 2, roles: ['config'] },
  { name: 'Docker-Agent', quad: 3, roles: ['docker'] },
  { name: 'Testing-Agent', quad: 3, roles: ['testing'] },
  { name: 'Docs-Agent', quad: 3, roles: ['docs'] },
  { name: 'Monitor-Agent', quad: 3, roles: ['monitor'] },
];

/** A plan without `agents:` gets 12 plainly named agents (Agent-01..12) in 3 quads, no roles. */
export const GENERIC_QUADS = 3;

/**
 * Agents for a run with `count` agents over `quads` groups: the plan's agents first (in order),
 * then generated names, spread over the quads in contiguous blocks as the seed does (0-3, 4-7, 8-11).
 */
export function distributeAgents(base: AgentDef[], count: number, quads: number): AgentDef[] {
  const out: AgentDef[] = [];
  for (let i = 0; i < count; i++) {
    const quad = Math.floor((i * quads) / count) + 1;
    const src = base[i];
    out.push(src ? { ...src, quad } : { name: `Agent-${String(i + 1).padStart(2, '0')}`, quad, roles: [] });
  }
  return out;
}

export function quadNames(base: QuadDef[], quads: number): QuadDef[] {
  return Array.from({ length: quads }, (_, i) => base.find((q) => q.id === i + 1) ?? { id: i + 1, name: `Quad ${i + 1}` });
}

/** The names of the agents in `quad`, in plan order. */
export function agentsOfQuad(agents: readonly AgentDef[], quad: number): string[] {
  return agents.filter((a) => a.quad === quad).map((a) => a.name);
}

export const GENERIC_AGENTS: AgentDef[] = distributeAgents([], 12, GENERIC_QUADS);
