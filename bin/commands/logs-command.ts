/**
 * logs [TASK|AGENT] [-f]: a task's log, an agent's log, or every log of the run interleaved by
 * time (coloured by agent on a terminal). -f keeps following, like `tail -f`.
 */
import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import type { Command } from 'commander';
import { agentTone, colourEnabled, painter, troubleTone } from '../../orchestrator/core/text/colour.js';
import { commandName } from '../../orchestrator/run-dir/command-name.js';
import { UsageError } from '../../orchestrator/core/errors.js';
import { StateError } from '../../state/errors.js';
import { formatLine, interleave, sourcedLines, type SourcedLine } from '../../orchestrator/core/text/log-lines.js';
import { resolveRunDir, runPaths, type RunPaths } from '../../orchestrator/run-dir/paths.js';
import { readRunPlan } from '../../orchestrator/run-dir/run-plan.js';
import { suggest } from '../../orchestrator/core/plan/suggest.js';

/** Reads what a file gained since the last call (from the start the first time). */
class Follower {
  private offset = 0;
  private rest = '';
  constructor(readonly file: string, readonly source: string) {}

  read(): string {
    if (!existsSync(this.file)) return '';
    const size = statSync(this.file).size;
    if (size < this.offset) this.offset = 0; // truncated or replaced
    if (size === this.offset) return '';
    const fd = openSync(this.file, 'r');
    try {
      const buf = Buffer.alloc(size - this.offset);
      const n = readSync(fd, buf, 0, buf.length, this.offset);
      this.offset += n;
      const text = this.rest + buf.subarray(0, n).toString('utf8');
      const cut = text.lastIndexOf('\n') + 1;
      this.rest = text.slice(cut);
      return text.slice(0, cut);
    } finally {
      closeSync(fd);
    }
  }
}

function noRun(paths: RunPaths): StateError {
  return new StateError(`no run in ${paths.runDir}: there are no logs to show`, `Start one with ${commandName('run')} (or ${commandName('launch')}), or name its directory with --run-dir.`);
}

export function registerLogsCommand(program: Command): void {
  program
    .command('logs')
    .description("a task's log, an agent's log, or every log of the run interleaved by time (-f follows)")
    .argument('[name]', 'a task id or an agent name (default: everything, interleaved)')
    .option('-f, --follow', 'keep printing new lines until Ctrl-C')
    .option('--run-dir <dir>', 'run directory (default: $ORCHESTRATOR_RUN_DIR or the current directory)')
    .action(async (name: string | undefined, o: { follow?: boolean; runDir?: string }) => {
      const paths = runPaths(resolveRunDir(o.runDir));
      if (!existsSync(paths.planCopy)) throw noRun(paths);
      const plan = readRunPlan(paths);
      const paint = painter(colourEnabled({ isTTY: process.stdout.isTTY, env: process.env }));
      const out = (l: string) => process.stdout.write(l + '\n');
      let followers: Follower[];
      let show: (batch: string[]) => void;
      if (name) {
        const task = plan.tasks.find((t) => t.id === name);
        const agent = plan.agents.find((a) => a.name === name);
        if (!task && !agent) {
          const near = suggest(name, [...plan.tasks.map((t) => t.id), ...plan.agents.map((a) => a.name)]);
          throw new UsageError(`no task or agent '${name}' in plan ${plan.name}${near ? ` (did you mean '${near}'?)` : ''}`);
        }
        const file = task ? paths.taskLog(name) : paths.agentLog(name);
        if (!existsSync(file) && !o.follow) process.stderr.write(`${task ? 'task' : 'agent'} ${name} has no log yet (${file})\n`);
        followers = [new Follower(file, name)];
        show = ([text]) => {
          for (const l of text!.split('\n').slice(0, -1)) {
            const tone = troubleTone(l);
            out(tone ? paint(tone, l) : l);
          }
        };
      } else {
        followers = [new Follower(paths.orchestratorLog, 'orchestrator'), ...plan.agents.map((a) => new Follower(paths.agentLog(a.name), a.name))];
        const width = Math.max(...followers.map((f) => f.source.length));
        show = (batch) => {
          const lines: SourcedLine[] = interleave(batch.map((text, i) => sourcedLines(followers[i]!.source, text)));
          for (const l of lines) {
            const f = formatLine(l, width);
            const tone = troubleTone(l.text);
            const src = l.source === 'orchestrator' ? paint('bold', f.source) : paint(agentTone(l.source), f.source);
            out(`${paint('dim', f.time)} ${src}  ${tone ? paint(tone, f.text) : f.text}`);
          }
        };
      }
      show(followers.map((f) => f.read()));
      if (!o.follow) return;
      await new Promise<void>(() => {
        setInterval(() => {
          const batch = followers.map((f) => f.read());
          if (batch.some(Boolean)) show(batch);
        }, 250);
      });
    });
}
