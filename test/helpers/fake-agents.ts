/** The fake AI CLIs (test/fixtures/fake-agents) for tests: their folder, and what they were called with. */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const FAKE_AGENTS_BIN = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'fake-agents', 'bin');

export interface FakeCall {
  cli: string;
  argv: string[];
  cwd: string;
  pid: number;
}

/** Every call the fakes logged to `file` ($FAKE_AGENT_LOG), in order. */
export function fakeCalls(file: string): FakeCall[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as FakeCall);
}

/** The env a run with fakes gets: the log file, a time scale, the ladder step; CLAUDECODE set to prove it is removed. */
export function fakeEnv(log: string, extra: Record<string, string> = {}): Record<string, string> {
  return { ...process.env as Record<string, string>, FAKE_AGENT_LOG: log, FAKE_AGENT_TIME_SCALE: '0.3', ORCHESTRATOR_AGENT_KILL_STEP: '300', CLAUDECODE: '1', ...extra };
}
