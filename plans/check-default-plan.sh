#!/usr/bin/env bash
# Check the bundled default plan (plans/avatar-platform.yaml) without the orchestrator.
#
#   1. Parse it with the `yaml` npm package and validate its shape: the plan format's
#      fields only, the twelve default agents, tasks T001-T020 with their titles, roles
#      an agent holds, known needs, no cycles, a verify on every task, no sleep.
#   2. Pass 1: run every task (`run`, then `verify`, each with /bin/sh -c in the plan's
#      workdir) in a fresh directory, in a topological order preferring low ids.
#   3. Pass 2: run everything again in the same directory: tasks must succeed again
#      and leave the tree byte-identical (idempotence).
#   4. Pass 3: a fresh directory and a different topological order (preferring high
#      ids); the result must equal pass 1's.
#      Pass 3b: a fresh directory where all tasks of a dependency level run at once.
#   5. Pass 4 (isolation): each task in its own fresh directory holding only the output
#      of its transitive needs, so a task reading a file it did not `need` fails here.
#
# Usage: plans/check-default-plan.sh [--quick] [--keep] [plan.yaml]
#   --quick  skip pass 4          --keep  keep the temporary run directories
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PLAN="$ROOT/plans/avatar-platform.yaml"
QUICK=0
KEEP=0
for arg in "$@"; do
  case "$arg" in
    --quick) QUICK=1 ;;
    --keep) KEEP=1 ;;
    -h|--help) sed -n '2,20p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "check-default-plan: unknown option $arg" >&2; exit 2 ;;
    *) PLAN=$arg ;;
  esac
done

for tool in node python3 timeout sha256sum; do
  command -v "$tool" >/dev/null 2>&1 || { echo "check-default-plan: $tool is required" >&2; exit 2; }
done
if [ ! -d "$ROOT/node_modules/yaml" ]; then
  echo "check-default-plan: $ROOT/node_modules/yaml is missing; run npm install first" >&2
  exit 2
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/avatar-plan-check.XXXXXX")
cleanup() { if [ "$KEEP" = 1 ]; then echo "kept: $WORK" >&2; else rm -rf "$WORK"; fi; }
trap cleanup EXIT

# ---------------------------------------------------------------------------------------
# 1. Parse and validate; export each task's commands and the orders to $WORK/plan.
# ---------------------------------------------------------------------------------------
read -r -d '' VALIDATE <<'JS' || true
const fs = require('fs');
const path = require('path');
const { createRequire } = require('module');
const [root, planFile, out] = process.argv.slice(1);
const YAML = createRequire(path.join(root, 'package.json'))('yaml');

const problems = [];
const fail = (msg) => problems.push(msg);
const text = fs.readFileSync(planFile, 'utf8');
const doc = YAML.parseDocument(text, { uniqueKeys: true, prettyErrors: true });
for (const e of [...doc.errors, ...doc.warnings]) fail(`yaml: ${e.message}`);
if (doc.errors.length) { console.error(problems.join('\n')); process.exit(1); }
const plan = doc.toJS();

const KEYS = {
  plan: ['version', 'name', 'description', 'workdir', 'workspace', 'integration', 'git', 'quads', 'agents', 'defaults', 'keep_alive', 'alert_command', 'tasks'],
  task: ['id', 'title', 'description', 'needs', 'role', 'run', 'verify', 'env', 'timeout', 'retries', 'pty', 'estimate', 'workspace'],
  agent: ['name', 'quad', 'roles'],
  quad: ['id', 'name'],
  defaults: ['timeout', 'retries'],
};
const strict = (obj, kind, where) => {
  if (!obj || typeof obj !== 'object' || Array.isArray(obj)) return fail(`${where}: must be a mapping`);
  for (const k of Object.keys(obj)) if (!KEYS[kind].includes(k)) fail(`${where}: unknown field "${k}"`);
};
const seconds = (v) => {
  if (typeof v === 'number') return v;
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(String(v));
  return m ? Number(m[1]) * { ms: 0.001, s: 1, m: 60, h: 3600 }[m[2]] : NaN;
};

strict(plan, 'plan', 'plan');
if (plan.version !== 1) fail('version: must be 1');
if (plan.name !== 'avatar-platform') fail('name: must be avatar-platform');
if (plan.workdir !== 'build/heygen-clone') fail('workdir: must be build/heygen-clone');
if (JSON.stringify(plan.defaults) !== JSON.stringify({ timeout: '2m', retries: 1 })) fail('defaults: must be { timeout: 2m, retries: 1 }');

const QUADS = [[1, 'Core Build'], [2, 'Services'], [3, 'Deploy & QA']];
(plan.quads || []).forEach((q, i) => strict(q, 'quad', `quads[${i}]`));
if (JSON.stringify((plan.quads || []).map((q) => [q.id, q.name])) !== JSON.stringify(QUADS)) fail('quads: must be the three default quads');

const AGENTS = [
  ['Core-Setup-Agent', 1, 'core'], ['Voice-Synthesis-Agent', 1, 'voice'], ['Lip-Sync-Agent', 1, 'lipsync'], ['Avatar-Agent', 1, 'avatar'],
  ['Video-Agent', 2, 'video'], ['API-Agent', 2, 'api'], ['Models-Agent', 2, 'models'], ['Config-Agent', 2, 'config'],
  ['Docker-Agent', 3, 'docker'], ['Testing-Agent', 3, 'testing'], ['Docs-Agent', 3, 'docs'], ['Monitor-Agent', 3, 'monitor'],
];
const agents = plan.agents || [];
agents.forEach((a, i) => strict(a, 'agent', `agents[${i}]`));
if (JSON.stringify(agents.map((a) => [a.name, a.quad, ...(a.roles || [])])) !== JSON.stringify(AGENTS)) {
  fail('agents: must be the twelve default agents, in order, with their quads and roles');
}
const roles = new Set(agents.flatMap((a) => a.roles || []));

const TITLES = ['Project Structure', 'Environment Config', 'Settings Module', 'Voice Synthesis', 'Lip Sync Engine',
  'Avatar Trainer', 'Video Generator', 'Wav2Lip Model', 'Face Detection', 'API Backend', 'Authentication',
  'Docker Config', 'Setup Scripts', 'Test Suite', 'Examples', 'Documentation', 'Face Enhancement',
  'Background Replacement', 'Monitoring', 'Optimization'];
const tasks = plan.tasks || [];
const byId = new Map();
tasks.forEach((t, i) => {
  const where = `tasks[${i}]${t && t.id ? ` (${t.id})` : ''}`;
  strict(t, 'task', where);
  const want = `T${String(i + 1).padStart(3, '0')}`;
  if (t.id !== want) fail(`${where}: id must be ${want}`);
  if (t.title !== TITLES[i]) fail(`${where}: title must be "${TITLES[i]}"`);
  if (!roles.has(t.role)) fail(`${where}: role "${t.role}" is held by no agent`);
  for (const k of ['run', 'verify']) {
    if (typeof t[k] !== 'string' || !t[k].trim()) fail(`${where}: ${k} must be a non-empty string`);
    else if (/\bsleep\b/.test(t[k])) fail(`${where}: ${k} must not sleep`);
  }
  if (!Array.isArray(t.needs)) fail(`${where}: needs must be a list`);
  for (const [k, v] of Object.entries(t.env || {})) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k) || /[\n\0]/.test(String(v))) fail(`${where}: bad env ${k}`);
  }
  if (t.timeout !== undefined && !(seconds(t.timeout) > 0)) fail(`${where}: bad timeout`);
  byId.set(t.id, t);
});
if (tasks.length !== 20) fail(`tasks: expected 20, found ${tasks.length}`);
for (const t of tasks) {
  const seen = new Set();
  for (const n of t.needs || []) {
    if (!byId.has(n)) fail(`${t.id}: needs unknown task ${n}`);
    if (n === t.id) fail(`${t.id}: needs itself`);
    if (seen.has(n)) fail(`${t.id}: needs ${n} twice`);
    seen.add(n);
  }
}
if (problems.length) { console.error(problems.join('\n')); process.exit(1); }

// Kahn's algorithm; `pick` chooses among the ready tasks.
const ids = tasks.map((t) => t.id);
function topo(pick) {
  const indeg = new Map(ids.map((id) => [id, byId.get(id).needs.length]));
  const order = [];
  let ready = ids.filter((id) => indeg.get(id) === 0);
  while (ready.length) {
    const next = pick(ready);
    ready = ready.filter((id) => id !== next);
    order.push(next);
    for (const t of tasks) if (t.needs.includes(next)) {
      indeg.set(t.id, indeg.get(t.id) - 1);
      if (indeg.get(t.id) === 0) ready.push(t.id);
    }
  }
  return order;
}
const forward = topo((r) => [...r].sort()[0]);
const reverse = topo((r) => [...r].sort().reverse()[0]);
if (forward.length !== ids.length) {
  console.error(`cycle among: ${ids.filter((id) => !forward.includes(id)).join(' ')}`);
  process.exit(1);
}
const ancestors = (id, acc = new Set()) => {
  for (const n of byId.get(id).needs) if (!acc.has(n)) { acc.add(n); ancestors(n, acc); }
  return acc;
};
// Longest chain of tasks (every task costs one step).
const depth = new Map();
const prev = new Map();
for (const id of forward) {
  let best = 0;
  for (const n of byId.get(id).needs) if (depth.get(n) > best) { best = depth.get(n); prev.set(id, n); }
  depth.set(id, best + 1);
}
let end = forward.reduce((a, b) => (depth.get(b) > depth.get(a) ? b : a));
const critical = [end];
while (prev.has(end)) { end = prev.get(end); critical.unshift(end); }

fs.mkdirSync(path.join(out, 'tasks'), { recursive: true });
for (const t of tasks) {
  const base = path.join(out, 'tasks', t.id);
  fs.writeFileSync(`${base}.run`, t.run);
  fs.writeFileSync(`${base}.verify`, t.verify);
  fs.writeFileSync(`${base}.title`, t.title);
  fs.writeFileSync(`${base}.env`, Object.entries(t.env || {}).map(([k, v]) => `${k}=${v}\n`).join(''));
  fs.writeFileSync(`${base}.timeout`, String(Math.ceil(seconds(t.timeout ?? plan.defaults.timeout))));
  fs.writeFileSync(`${base}.closure`, forward.filter((id) => ancestors(t.id).has(id)).join('\n') + '\n');
}
fs.writeFileSync(path.join(out, 'forward'), forward.join('\n') + '\n');
fs.writeFileSync(path.join(out, 'reverse'), reverse.join('\n') + '\n');
fs.writeFileSync(path.join(out, 'workdir'), plan.workdir);
const levels = [];
for (const id of forward) (levels[depth.get(id) - 1] ||= []).push(id);
fs.writeFileSync(path.join(out, 'levels'), levels.map((l) => l.join(' ')).join('\n') + '\n');
console.log(`plan: ${path.relative(process.cwd(), planFile) || planFile}: ${tasks.length} tasks, ${agents.length} agents, ${(plan.quads || []).length} quads; structure ok`);
console.log(`critical path (${critical.length} tasks): ${critical.join(' -> ')}`);
console.log(`widest level: ${Math.max(...[...new Set(depth.values())].map((d) => [...depth.values()].filter((x) => x === d).length))} tasks can run at once`);
JS

node -e "$VALIDATE" "$ROOT" "$PLAN" "$WORK/plan"
WORKDIR=$(cat "$WORK/plan/workdir")
mapfile -t FORWARD < "$WORK/plan/forward"
mapfile -t REVERSE < "$WORK/plan/reverse"
echo "forward order: ${FORWARD[*]}"
echo "reverse order: ${REVERSE[*]}"

now_ms() { date +%s%3N; }

# run_step <run-dir> <task> <run|verify>: /bin/sh -c the command in <run-dir>/<workdir>.
run_step() {
  local dir=$1 id=$2 step=$3 envs rc=0
  local cwd="$dir/$WORKDIR" log="$dir.$id.$step.log"
  mapfile -t envs < "$WORK/plan/tasks/$id.env"
  mkdir -p "$cwd"
  (cd "$cwd" && env ${envs[@]+"${envs[@]}"} timeout "$(cat "$WORK/plan/tasks/$id.timeout")" \
    /bin/sh -c "$(cat "$WORK/plan/tasks/$id.$step")") >"$log" 2>&1 </dev/null || rc=$?
  if [ "$rc" -ne 0 ]; then
    echo "FAIL: $id ($(cat "$WORK/plan/tasks/$id.title")): $step exited $rc in $cwd [$PASS]" >&2
    tail -n 40 "$log" | sed 's/^/  | /' >&2
    KEEP=1
    exit 1
  fi
}

# run_tasks <run-dir> <ids...>: run + verify each, recording the slowest.
SLOW=""
run_tasks() {
  local dir=$1 id t0 t1 ms
  shift
  SLOW=""
  for id in "$@"; do
    t0=$(now_ms)
    run_step "$dir" "$id" run
    run_step "$dir" "$id" verify
    t1=$(now_ms)
    ms=$((t1 - t0))
    SLOW+="$ms $id"$'\n'
  done
}

slowest() { printf '%s' "$SLOW" | sort -rn | head -n "${1:-3}" | awk '{printf "%s%s %.2fs", (NR > 1 ? ", " : ""), $2, $1 / 1000}'; }

# Hash of the workdir: every file's mode, path and content, bytecode caches excluded.
tree_hash() {
  (cd "$1/$WORKDIR" && find . -path '*/__pycache__' -prune -o -type f -printf '%m %p\n' | LC_ALL=C sort \
    | while read -r mode file; do printf '%s %s %s\n' "$mode" "$file" "$(sha256sum < "$file" | cut -c1-64)"; done) \
    | sha256sum | cut -c1-16
}
file_count() { find "$1/$WORKDIR" -path '*/__pycache__' -prune -o -type f -print | wc -l; }
only_workdir() {
  local stray
  stray=$(cd "$1" && find . -mindepth 1 -maxdepth 1 ! -name "${WORKDIR%%/*}" -print)
  [ -z "$stray" ] || { echo "FAIL: tasks wrote outside the workdir: $stray" >&2; KEEP=1; exit 1; }
}

N=${#FORWARD[@]}
T0=$(now_ms)

PASS="pass 1"
run_tasks "$WORK/a" "${FORWARD[@]}"
only_workdir "$WORK/a"
H1=$(tree_hash "$WORK/a")
echo "pass 1 (fresh dir, forward order): $N/$N ok, $(file_count "$WORK/a") files, tree $H1; slowest: $(slowest)"

PASS="pass 2"
run_tasks "$WORK/a" "${FORWARD[@]}"
H2=$(tree_hash "$WORK/a")
if [ "$H1" != "$H2" ]; then echo "FAIL: pass 2 changed the tree ($H1 -> $H2): tasks are not idempotent" >&2; KEEP=1; exit 1; fi
echo "pass 2 (same dir, everything again): $N/$N ok, tree unchanged ($H2): idempotent"

PASS="pass 3"
run_tasks "$WORK/b" "${REVERSE[@]}"
only_workdir "$WORK/b"
H3=$(tree_hash "$WORK/b")
if [ "$H1" != "$H3" ]; then echo "FAIL: the reverse order built a different tree ($H1 vs $H3)" >&2; KEEP=1; exit 1; fi
echo "pass 3 (fresh dir, reverse-preferring order): $N/$N ok, same tree ($H3)"

# Pass 3b: like 12 agents would, start every task of a dependency level at once.
PASS="pass 3b"
waves=0
while read -r -a level; do
  pids=()
  for id in "${level[@]}"; do
    ( run_step "$WORK/c" "$id" run; run_step "$WORK/c" "$id" verify ) &
    pids+=("$!")
  done
  for pid in "${pids[@]}"; do wait "$pid" || { KEEP=1; exit 1; }; done
  waves=$((waves + 1))
done < "$WORK/plan/levels"
H4=$(tree_hash "$WORK/c")
if [ "$H1" != "$H4" ]; then echo "FAIL: the parallel run built a different tree ($H1 vs $H4)" >&2; KEEP=1; exit 1; fi
echo "pass 3b (fresh dir, each dependency level run concurrently, $waves waves): $N/$N ok, same tree ($H4)"

if [ "$QUICK" = 0 ]; then
  PASS="pass 4"
  runs=0
  for id in "${FORWARD[@]}"; do
    mapfile -t closure < "$WORK/plan/tasks/$id.closure"
    deps=()
    for c in "${closure[@]}"; do [ -n "$c" ] && deps+=("$c"); done
    dir="$WORK/iso-$id"
    run_tasks "$dir" ${deps[@]+"${deps[@]}"} "$id"
    runs=$((runs + ${#deps[@]} + 1))
    rm -rf "$dir" "$dir".*.log
  done
  echo "pass 4 (isolation: each task after only its transitive needs, fresh dir): $N/$N ok ($runs task runs)"
fi

echo "time: $(( ($(now_ms) - T0) / 1000 ))s"
echo "all $N tasks ok"
