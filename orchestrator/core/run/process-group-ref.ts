/**
 * A task's process group as the state records it: the group id (its leader's pid) and the
 * leader's start time (clock ticks since boot, from /proc). The same identity rule as for
 * pids: a group is signalled only while its leader is the very process that was recorded
 * (alive, same start time). A recorded id alone proves nothing after a reboot or once the
 * number is reused, and a group whose leader is gone is left to the sweep by environment.
 */
export interface ProcessGroupRef {
  pgid: number;
  /** Undefined for a state written before start times were recorded: such a group is never signalled. */
  start?: number;
}
