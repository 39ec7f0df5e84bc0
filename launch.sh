#!/usr/bin/env bash
# The orchestrator's menu launcher. Installs dependencies and builds on first use.
#
#   ./launch.sh                 numbered menu (needs a terminal)
#   ./launch.sh CHOICE [ARGS]   the same choices for scripts:
#     quad       Quad terminal: tmux session "orchestrator" (3 agent quads + control pane)
#     run        Single terminal: the whole run in this terminal
#     dashboard  Dashboard only: watch a run from another terminal
#     ha         High availability: keep-alive supervising the orchestrator and workers
#     status     Status of the run in this directory
#     logs       Follow the run's logs (orchestrator logs -f [TASK|AGENT])
#     stop       Stop the quad session and every process it started
#     reset      Clear the run state (asks; --yes to skip)
#     test       Build and run the test suite (ends with "N passed, N failed")
#     bench      Run the benchmarks (--quick for a short subset)
# Extra arguments go to the orchestrator command (e.g. ./launch.sh run plans/my.yaml --fresh).
set -uo pipefail

ROOT=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)
ORCH="$ROOT/bin/orchestrator"

say() { printf '%s\n' "$*" >&2; }

# Whether node_modules holds every package of the lockfile at its locked version (optional,
# platform-specific packages aside). Compares contents, not file times: a checkout or merge that
# rewrites an unchanged lockfile must not reinstall everything.
deps_current() {
  (cd "$ROOT" && node -e '
    const fs = require("fs");
    const { packages } = JSON.parse(fs.readFileSync("package-lock.json", "utf8"));
    for (const [path, meta] of Object.entries(packages)) {
      if (!path || meta.optional || meta.link) continue;
      let version;
      try { version = JSON.parse(fs.readFileSync(path + "/package.json", "utf8")).version; } catch { process.exit(1); }
      if (version !== meta.version) process.exit(1);
    }') 2>/dev/null
}

# npm ci when node_modules lacks a locked package; build when dist is stale.
ensure_ready() {
  ensure_deps
  ensure_built
}

ensure_deps() {
  if ! command -v node >/dev/null 2>&1; then
    say "launch.sh: Node.js 20 or newer is needed (https://nodejs.org or your package manager)."
    exit 2
  fi
  if [[ ! -d "$ROOT/node_modules" ]] || ! deps_current; then
    say "launch.sh: installing dependencies (npm ci)…"
    (cd "$ROOT" && npm ci --no-audit --no-fund) >&2 || { say "launch.sh: npm ci failed"; exit 2; }
  fi
}

ensure_built() {
  local cli="$ROOT/dist/bin/cli.js"
  if [[ ! -f "$cli" ]] || [[ -n "$(cd "$ROOT" && find bin panes orchestrator workers state bench tsconfig.json -newer "$cli" \( -name '*.ts' -o -name 'tsconfig.json' \) -print -quit 2>/dev/null)" ]]; then
    say "launch.sh: building…"
    (cd "$ROOT" && npx tsc -p tsconfig.json) >&2 || { say "launch.sh: build failed"; exit 2; }
  fi
}

need_tmux() {
  if ! command -v tmux >/dev/null 2>&1; then
    say "launch.sh: tmux is not installed. Install it (Debian/Ubuntu: sudo apt-get install -y tmux; macOS: brew install tmux), or use: ./launch.sh run"
    exit 2
  fi
}

# The suite runs in two phases. First the spec files in parallel, one file per mocha worker at a
# time (each file uses its own temp folders, tmux sockets and processes); they start in this
# order: the longest first, so that none of them starts last and runs alone, then the others,
# sorted. Then SERIAL_TEST_FILES, one at a time, alone on the machine as before: they time
# supervision against real processes (chaos kills a process of the run every 1–1.8 s; the ha
# test kills monitor, control and a worker in turn; the demo catches a quad pane while its
# agents work), and beside another file on a loaded two-core machine they failed. The
# start-race test of run-ownership too: under load the losing `run` can report "no run
# prepared" instead of the run in progress (a product race, open; it runs alone as before).
LONG_TEST_FILES=(
  test/system/engine.test.ts
  test/system/tmux-launch.test.ts
  test/system/state-store.test.ts
  test/system/worktree-mode.test.ts
  test/system/rerun.test.ts
)
SERIAL_TEST_FILES=(test/system/chaos.test.ts test/system/keep-alive-ha.test.ts test/system/agent-demo-tmux.test.ts test/system/run-ownership.test.ts)

parallel_test_files() {
  local f
  for f in "${LONG_TEST_FILES[@]}"; do [[ -f $f ]] && printf '%s\n' "$f"; done
  find test -name '*.test.ts' | LC_ALL=C sort | grep -vxF -f <(printf '%s\n' "${LONG_TEST_FILES[@]}" "${SERIAL_TEST_FILES[@]}")
}

# Two workers on a two-core machine, one per core above that (TEST_JOBS to choose).
test_jobs() {
  local n
  n=${TEST_JOBS:-$(nproc 2>/dev/null || echo 2)}
  (( n < 2 )) && n=2
  printf '%s\n' "$n"
}

# Both phases; each mocha run adds its counts to one file (the reporter, COUNTS_FILE), and the
# last line is their sum, "N passed, N failed". Exit 0 only when both phases passed.
run_suite() {
  local counts parallel=() status=0 f
  counts=$(mktemp)
  mapfile -t parallel < <(parallel_test_files)
  COUNTS_FILE=$counts npx mocha --parallel --jobs "$(test_jobs)" "${parallel[@]}" || status=1
  # One mocha process runs them one after the other (one start-up, not one per file).
  local serial=()
  for f in "${SERIAL_TEST_FILES[@]}"; do [[ -f $f ]] && serial+=("$f"); done
  local expected=1
  if (( ${#serial[@]} )); then
    COUNTS_FILE=$counts npx mocha "${serial[@]}" || status=1
    expected=2
  fi
  if [[ $(wc -l <"$counts") -ne $expected ]]; then
    rm -f "$counts"
    say "launch.sh: a mocha run ended without its counts"
    return 1
  fi
  awk '{ p += $1; f += $2 } END { printf "%d passed, %d failed\n", p, f }' "$counts"
  rm -f "$counts"
  return "$status"
}

# The comment block at the top of this file, up to the first line that is not a comment.
usage() {
  awk 'NR == 1 { next } /^#/ { sub(/^# ?/, ""); print; next } { exit }' "${BASH_SOURCE[0]}"
}

choose() {
  local choice=$1
  shift
  case "$choice" in
    1|quad)
      need_tmux
      ensure_ready
      if [[ -t 0 && -t 1 ]]; then exec "$ORCH" launch --attach "$@"; else exec "$ORCH" launch "$@"; fi
      ;;
    2|run) ensure_ready; exec "$ORCH" run "$@" ;;
    3|dashboard) ensure_ready; exec "$ORCH" dashboard "$@" ;;
    4|ha) ensure_ready; exec "$ORCH" ha "$@" ;;
    5|status) ensure_ready; exec "$ORCH" status "$@" ;;
    6|logs) ensure_ready; exec "$ORCH" logs -f "$@" ;;
    7|stop) ensure_ready; exec "$ORCH" stop "$@" ;;
    8|reset) ensure_ready; exec "$ORCH" reset "$@" ;;
    test)
      ensure_deps
      cd "$ROOT" || exit 2
      # With arguments: mocha with them (e.g. one file, serially).
      if [[ $# -gt 0 ]]; then ensure_built; exec npx mocha "$@"; fi
      # With none: the static checks (tests type-checked, the layers of ARCHITECTURE.md), which
      # run beside the build (neither reads the other's output: two cores, half the wait), then
      # the whole suite (see run_suite).
      local checks status
      checks=$(mktemp)
      npm run --silent check >"$checks" 2>&1 &
      local check_pid=$!
      if ! (ensure_built); then kill "$check_pid" 2>/dev/null; wait "$check_pid"; rm -f "$checks"; exit 2; fi
      wait "$check_pid"
      status=$?
      cat "$checks"
      rm -f "$checks"
      [[ $status -eq 0 ]] || { say "launch.sh: static checks failed (npm run check)"; exit 1; }
      run_suite
      exit $?
      ;;
    bench) ensure_ready; cd "$ROOT" && exec node dist/bench/run.js "$@" ;;
    q|quit) exit 0 ;;
    -h|--help|help) usage; exit 0 ;;
    *) say "launch.sh: unknown choice '$choice'"; usage >&2; exit 2 ;;
  esac
}

if [[ $# -gt 0 ]]; then
  choose "$@"
fi

if [[ ! -t 0 ]]; then
  say "launch.sh: no terminal for the menu; give a choice instead."
  usage >&2
  exit 2
fi

cat <<'MENU'
Multi-agent orchestrator
  1) Quad terminal (tmux: 3 agent quads + control pane)
  2) Single terminal
  3) Dashboard only
  4) High availability (keep-alive + orchestrator)
  5) Status
  6) Follow logs
  7) Stop
  8) Reset state
  q) Quit
MENU
read -r -p "Choice: " answer || exit 0
choose "${answer:-q}"
