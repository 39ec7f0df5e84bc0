/**
 * The layers of ARCHITECTURE.md, enforced: `npx depcruise --config .dependency-cruiser.cjs bin
 * panes orchestrator workers state bench` (part of `npm test` and so of `./launch.sh test`).
 *
 * Bottom to top:  state  <  orchestrator/core  <  orchestrator (run-dir < alerts < supervisors
 * < modes)  <  workers (group code)  <  panes  <  bin, bench.  workers/os and workers/git are
 * leaves that any imperative layer (state included) may use; orchestrator/core may not (pure).
 * A module may import its own layer and any layer below it, never one above.
 */
const IO_CORE_MODULES = '^(node:)?(fs|fs/promises|child_process|net|http|https|http2|dgram|dns|tls|tty|readline|readline/promises|worker_threads|cluster|os|v8|timers|timers/promises|process|inspector)$';
const IO_PACKAGES = '(^|/)node_modules/(execa|node-pty|blessed|blessed-contrib|pidusage|commander)/';

/** `from` may not import `to` (both path regexes). */
const upward = (name, comment, from, to) => ({ name, comment, severity: 'error', from: { path: from }, to: { path: to } });

module.exports = {
  forbidden: [
    upward('state-is-the-bottom', 'state/ imports nothing of the orchestrator, workers, panes or bin (only workers/os, the leaf)',
      '^state/', '^(orchestrator|workers(?!/(os|git)/)|panes|bin|bench)/'),
    upward('os-is-a-leaf', 'workers/os/ (processes, process groups, argv) imports only node and itself',
      '^workers/os/', '^(state|orchestrator|workers(?!/os/)|panes|bin|bench)/'),
    upward('git-is-a-leaf', 'workers/git/ (git repositories and worktrees) imports only node, workers/os and itself',
      '^workers/git/', '^(state|orchestrator|workers(?!/(os|git)/)|panes|bin|bench)/'),
    upward('core-imports-only-core-and-state', 'orchestrator/core/ is pure: it imports only core and state (no imperative layer, no workers/os)',
      '^orchestrator/core/', '^(orchestrator(?!/core/)|workers|panes|bin|bench)/'),
    {
      name: 'core-does-no-io',
      comment: 'orchestrator/core/ imports no I/O module: files, processes, sockets, terminals are the shell\'s',
      severity: 'error',
      from: { path: '^orchestrator/core/' },
      to: { path: [IO_CORE_MODULES, IO_PACKAGES] },
    },
    {
      name: 'core-uses-the-store-by-type-only',
      comment: 'orchestrator/core/ may name the store\'s types, but not run its I/O (store, lock, journal, snapshot files)',
      severity: 'error',
      from: { path: '^orchestrator/core/' },
      to: { path: '^state/(store|lock|journal|snapshot|recover|atomic-write|event-tail)\\.ts$', dependencyTypesNot: ['type-only'] },
    },
    upward('orchestrator-below-workers', 'the imperative orchestrator imports no worker group code, pane or command',
      '^orchestrator/', '^(workers(?!/(os|git)/)|panes|bin|bench)/'),
    upward('run-dir-below-alerts', 'orchestrator/run-dir/ (paths, setup, store, plan loading) is the lowest imperative layer',
      '^orchestrator/run-dir/', '^orchestrator/(alerts|supervisors|modes)/'),
    upward('alerts-below-supervisors', 'orchestrator/alerts/ is used by supervisors and modes, not the other way',
      '^orchestrator/alerts/', '^orchestrator/(supervisors|modes)/'),
    upward('supervisors-below-modes', 'orchestrator/supervisors/ are put together by the modes, never the reverse',
      '^orchestrator/supervisors/', '^orchestrator/modes/'),
    upward('workers-below-panes', 'worker group code imports no pane and no command (a view is injected)',
      '^workers/', '^(panes|bin|bench)/'),
    upward('panes-below-bin', 'panes import no command',
      '^panes/', '^(bin|bench)/'),
    upward('tmux-and-quad-below-control-and-dashboard', 'tmux plumbing and the quad view know nothing of the control pane or dashboard',
      '^panes/(tmux|quad)/', '^panes/(control|dashboard)/'),
    upward('dashboard-model-is-pure', 'the dashboard\'s model is computed, not read or drawn',
      '^panes/dashboard/model/', '^panes/dashboard/(view|source)/'),
    {
      name: 'dashboard-model-does-no-io',
      severity: 'error',
      from: { path: '^panes/dashboard/model/' },
      to: { path: [IO_CORE_MODULES, IO_PACKAGES] },
    },
    upward('dashboard-source-below-view', 'the dashboard\'s sources (run, logs, metrics) do not draw',
      '^panes/dashboard/source/', '^panes/dashboard/view/'),
    upward('product-imports-no-test', 'product code never imports test code', '^(bin|panes|orchestrator|workers|state|bench)/', '^test/'),
    {
      name: 'no-circular',
      comment: 'no import cycles: they hide which module is the lower one',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^dist/' },
    preserveSymlinks: true,
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js', '.cjs', '.mjs', '.json', '.d.ts'] },
    moduleSystems: ['es6', 'cjs'],
  },
};
