/** A workload as files: a plan for the orchestrator, a Makefile for GNU make. */
import { writeFileSync } from 'node:fs';
import type { Workload } from './workload.js';

/**
 * The plan (JSON, which the YAML loader reads). Each task's nominal duration is its
 * `estimate`, what a user who knows their tasks would write; the scheduler's priorities use it.
 */
export function planText(w: Workload): string {
  return JSON.stringify({
    version: 1,
    name: `bench-${w.name}`,
    workdir: 'work',
    defaults: { timeout: '10m', retries: 0 },
    tasks: w.tasks.map((t) => ({ id: t.id, needs: t.needs, run: t.run, estimate: `${Math.max(1, t.ms)}ms` })),
  });
}

/** The same graph for make: phony targets in plan order, the same commands, silent. */
export function makefileText(w: Workload): string {
  const lines = ['.PHONY: all ' + w.tasks.map((t) => t.id).join(' '), `all: ${w.tasks.map((t) => t.id).join(' ')}`, ''];
  for (const t of w.tasks) lines.push(`${t.id}:${t.needs.length ? ' ' + t.needs.join(' ') : ''}`, `\t@${t.run}`, '');
  return lines.join('\n');
}

export function writePlan(w: Workload, file: string): void {
  writeFileSync(file, planText(w));
}

export function writeMakefile(w: Workload, file: string): void {
  writeFileSync(file, makefileText(w));
}
