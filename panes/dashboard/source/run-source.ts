/**
 * Following one run directory for a viewer: waiting until a run exists, opening its store and
 * plan, reading the state lock-free with the run's events (logs/events.jsonl, incrementally),
 * and noticing when the run is replaced: a fresh run moves the state aside and creates a new
 * one, which the store reloads by itself (it checks the snapshot file's identity on every
 * read), so the new run id shows up here and the source re-attaches.
 */
import { existsSync } from 'node:fs';
import { buildContext, type RunContext } from '../../../orchestrator/core/graph/context.js';
import type { RunPaths } from '../../../orchestrator/run-dir/paths.js';
import type { Plan } from '../../../orchestrator/core/plan/plan-types.js';
import { readRunPlan } from '../../../orchestrator/run-dir/run-setup.js';
import { runStore } from '../../../orchestrator/run-dir/run-store.js';
import { EventTail } from '../../../state/event-tail.js';
import type { RunEvent } from '../../../state/events.js';
import type { State } from '../../../state/schema.js';
import { FileStateStore } from '../../../state/store.js';

export interface AttachedRun {
  store: FileStateStore;
  plan: Plan;
  ctx: RunContext;
  runId: string;
}

export type Snapshot = { state: State; events: readonly RunEvent[] } | { error: string };

export class RunSource {
  run?: AttachedRun;
  private tail?: EventTail;
  private events: RunEvent[] = [];
  private startedAt = 0;
  private unwatch?: () => void;
  private attaching = false;

  constructor(private paths: RunPaths, private onChange: () => void, private pollMs = 500) {}

  /** Opens the run if there is one; returns why not otherwise (to show while waiting). */
  async attach(): Promise<string | undefined> {
    if (this.run) return undefined;
    if (this.attaching) return 'opening the run…';
    this.attaching = true;
    try {
      if (!FileStateStore.exists(this.paths.stateDir) || !existsSync(this.paths.planCopy)) {
        return `No run in ${this.paths.runDir} yet.\nWaiting for one to start (orchestrator run, or ./launch.sh)…   q quits.`;
      }
      const store = runStore(this.paths);
      await store.open();
      const s = store.read();
      const plan = readRunPlan(this.paths);
      this.run = { store, plan, ctx: buildContext(plan, s.meta.learned), runId: s.meta.runId };
      this.startedAt = s.meta.startedAt;
      this.tail = new EventTail(this.paths.events);
      this.events = [];
      this.unwatch = store.watch(() => this.onChange(), this.pollMs);
      return undefined;
    } catch (e) {
      return `Cannot read the run in ${this.paths.runDir}:\n${(e as Error).message}\nRetrying every second…   q quits.`;
    } finally {
      this.attaching = false;
    }
  }

  /** The latest state (lock-free) and this run's events; an error detaches. */
  snapshot(): Snapshot {
    const run = this.run;
    if (!run) return { error: 'not attached' };
    let state: State;
    try {
      state = run.store.read();
    } catch (e) {
      this.detach();
      return { error: `The run's state became unreadable:\n${(e as Error).message}\nRetrying every second…   q quits.` };
    }
    if (state.meta.runId !== run.runId) {
      // Replaced (reset, --fresh) or restarted in place: the plan copy and the time axis may have changed.
      this.detach();
      return { error: 'The run was restarted; re-opening it…' };
    }
    for (const e of this.tail!.read()) if (e.ts >= this.startedAt) this.events.push(e);
    return { state, events: this.events };
  }

  /** The latest state, or undefined (never throws). */
  peek(): State | undefined {
    try {
      return this.run?.store.read();
    } catch {
      return undefined;
    }
  }

  detach(): void {
    if (!this.run) return;
    this.unwatch?.();
    void this.run.store.close();
    this.run = undefined;
    this.tail = undefined;
    this.events = [];
  }
}
