import { readFileSync } from 'node:fs';

/**
 * Where the CPU went during a phase, from /proc (Linux): what a process and its children used,
 * and what the hypervisor took from the machine. On a small virtual machine these decide the
 * figures as much as the code measured does, so benchmarks print them next to the figures.
 * Elsewhere (no /proc) every reading is null.
 */

/** CPU seconds (user + system) one process used so far. */
function ownCpuSeconds(pid: number): number | null {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return null;
  }
}

/**
 * CPU seconds a process and its children (e.g. the workers of `recostream api --workers`) used
 * so far. A child that exited meanwhile takes its seconds with it.
 */
export function processTreeCpuSeconds(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  const own = ownCpuSeconds(pid);
  if (own === null) return null;
  let children: number[] = [];
  try {
    children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
      .split(' ')
      .filter(Boolean)
      .map(Number);
  } catch {
    // no children file: the process alone
  }
  return children.reduce((sum, child) => sum + (ownCpuSeconds(child) ?? 0), own);
}

/** The machine's CPU time counters over all CPUs: the total, and the part stolen by the hypervisor. */
export function machineTicks(): { total: number; steal: number } | null {
  try {
    const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
    return { total: cpu.slice(0, 8).reduce((a, b) => a + b, 0), steal: cpu[7] ?? 0 };
  } catch {
    return null;
  }
}

/** The share of the machine's CPU time stolen between two readings, or null. */
export function stealBetween(
  before: ReturnType<typeof machineTicks>,
  after: ReturnType<typeof machineTicks>,
): number | null {
  return before && after && after.total > before.total
    ? (after.steal - before.steal) / (after.total - before.total)
    : null;
}
