/**
 * Like GNU make, a `run`/`verify` string that contains no shell syntax at all is executed
 * directly (its words as argv) instead of through `/bin/sh -c`: dash forks once more for such a
 * command, and that shell costs about as much as the spawn itself. Only commands whose meaning
 * cannot differ qualify, decided conservatively:
 * - every character is in a small safe set (letters, digits, `_ . / : , + @ % -`) or a space;
 *   so no quoting, expansion, redirection, globbing, comments, assignments, operators or
 *   newlines;
 * - the first word is no shell keyword or builtin (`cd`, `exit`, `export`, `echo`, `test`, …),
 *   whose behaviour is the shell's own. `true` and `false` are allowed: their programs do
 *   exactly what the builtins do.
 * The executor falls back to the shell when the program cannot be started (not found, not
 * executable), so that case still reads exactly as before (the shell's message, exit 127).
 */
/** A plan command (the same shape as the plan's Command; os/ is a leaf and imports no plan type). */
type Command = string | readonly string[];

/** How a plan command runs: a string through `/bin/sh -c`, a list as argv without a shell. */
export function commandArgv(cmd: Command): [string, string[]] {
  return typeof cmd === 'string' ? ['/bin/sh', ['-c', cmd]] : [cmd[0]!, cmd.slice(1)];
}

const SAFE = /^[A-Za-z0-9_./:,+@%\- ]+$/;

/** Keywords and builtins of dash and bash (and POSIX special builtins). */
const SHELL_WORDS = new Set([
  '!', '.', ':', '[', '[[', ']]', '{', '}', 'alias', 'bg', 'bind', 'break', 'builtin', 'caller', 'case', 'cd', 'command', 'compgen', 'complete',
  'compopt', 'continue', 'coproc', 'declare', 'dirs', 'disown', 'do', 'done', 'echo', 'elif', 'else', 'enable', 'esac', 'eval', 'exec', 'exit',
  'export', 'fc', 'fg', 'fi', 'for', 'function', 'getopts', 'hash', 'help', 'history', 'if', 'in', 'jobs', 'kill', 'let', 'local', 'logout',
  'mapfile', 'popd', 'printf', 'pushd', 'pwd', 'read', 'readarray', 'readonly', 'return', 'select', 'set', 'shift', 'shopt', 'source',
  'suspend', 'test', 'then', 'time', 'times', 'trap', 'type', 'typeset', 'ulimit', 'umask', 'unalias', 'unset', 'until', 'wait', 'while',
]);

/** The argv to execute `cmd` with directly, or undefined when it needs a shell. */
export function simpleArgv(cmd: string): string[] | undefined {
  if (!SAFE.test(cmd)) return undefined;
  const words = cmd.split(' ').filter(Boolean);
  if (!words.length || SHELL_WORDS.has(words[0]!)) return undefined;
  return words;
}
