/**
 * completion bash|zsh: a shell completion script for the commands and their options, generated
 * from the command definitions (so it never drifts). Install: see the README.
 */
import type { Command } from 'commander';
import { UsageError } from '../../orchestrator/core/errors.js';

interface Spec {
  name: string;
  options: string[];
}

function specs(program: Command): Spec[] {
  return program.commands
    .filter((c) => !(c as unknown as { _hidden?: boolean })._hidden)
    .map((c) => ({ name: c.name(), options: c.options.filter((o) => !o.hidden).flatMap((o) => [o.long, o.short].filter((x): x is string => !!x)).concat('--help') }));
}

export function bashCompletion(all: Spec[]): string {
  const cases = all.map((s) => `    ${s.name}) opts="${s.options.join(' ')}" ;;`).join('\n');
  return `# bash completion for orchestrator: source <(orchestrator completion bash)
_orchestrator() {
  local cur=\${COMP_WORDS[COMP_CWORD]} cmd=\${COMP_WORDS[1]} opts
  if [[ $COMP_CWORD -eq 1 ]]; then
    COMPREPLY=($(compgen -W "${all.map((s) => s.name).join(' ')} --help --version" -- "$cur"))
    return
  fi
  case "$cmd" in
${cases}
    *) opts="" ;;
  esac
  if [[ $cur == -* ]]; then
    COMPREPLY=($(compgen -W "$opts" -- "$cur"))
  else
    COMPREPLY=($(compgen -f -- "$cur"))
  fi
}
complete -o filenames -F _orchestrator orchestrator
`;
}

export function zshCompletion(all: Spec[]): string {
  const cases = all.map((s) => `    ${s.name}) _arguments '*:file:_files' ${s.options.map((o) => `'${o}'`).join(' ')} ;;`).join('\n');
  return `#compdef orchestrator
# zsh completion for orchestrator: orchestrator completion zsh > "\${fpath[1]}/_orchestrator"
_orchestrator() {
  if (( CURRENT == 2 )); then
    compadd -- ${all.map((s) => s.name).join(' ')}
    return
  fi
  case "$words[2]" in
${cases}
  esac
}
compdef _orchestrator orchestrator
`;
}

export function registerCompletionCommand(program: Command): void {
  program
    .command('completion')
    .description('print a shell completion script: source <(orchestrator completion bash), or zsh')
    .argument('<shell>', 'bash or zsh')
    .action((shell: string) => {
      const all = specs(program);
      if (shell === 'bash') process.stdout.write(bashCompletion(all));
      else if (shell === 'zsh') process.stdout.write(zshCompletion(all));
      else throw new UsageError(`completion is available for bash and zsh, not '${shell}'`);
    });
}
