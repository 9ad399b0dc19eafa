import os from 'node:os';

/**
 * Telling whether another process took the CPU while a repetition ran.
 *
 * Around each repetition the child reads two clocks: the machine's busy CPU time over all cores
 * (`os.cpus()` — the kernel's per-core user+nice+sys+irq counters, the same as /proc/stat) and its
 * own CPU time (`process.cpuUsage()`, all of its threads). The difference is CPU time spent by every
 * other process during that repetition; divided by the wall time it is the average number of cores
 * the others kept busy. A repetition is flagged when the others took more than `threshold` cores on
 * average. The kernel counts in 10 ms ticks, so repetitions are made at least ~100 ms long (several
 * calls of the workload in one repetition) to keep the tick error below a tenth of a core.
 */
export interface CpuSample {
  /** Machine busy time over all cores, ms. */
  machineBusyMs: number;
  /** This process's user+system time, ms. */
  ownMs: number;
  /** Monotonic wall clock, ms. */
  wallMs: number;
}

export function sampleCpu(): CpuSample {
  let busy = 0;
  for (const cpu of os.cpus()) {
    const t = cpu.times;
    busy += t.user + t.nice + t.sys + t.irq;
  }
  const own = process.cpuUsage();
  return { machineBusyMs: busy, ownMs: (own.user + own.system) / 1000, wallMs: performance.now() };
}

export interface RepetitionLoad {
  wallMs: number;
  /** CPU time of this process during the repetition, in cores (1 = one core busy the whole time). */
  ownCores: number;
  /** CPU time of every other process during the repetition, in cores. */
  otherCores: number;
  flagged: boolean;
}

export const DEFAULT_INTERFERENCE_THRESHOLD = 0.25;

/** Interprets the samples taken before and after a repetition. */
export function repetitionLoad(before: CpuSample, after: CpuSample, threshold = DEFAULT_INTERFERENCE_THRESHOLD): RepetitionLoad {
  const wallMs = after.wallMs - before.wallMs;
  if (!(wallMs > 0)) throw new Error(`repetitionLoad: wall time must be positive, got ${wallMs} ms`);
  const ownMs = Math.max(0, after.ownMs - before.ownMs);
  const machineMs = Math.max(0, after.machineBusyMs - before.machineBusyMs);
  const otherMs = Math.max(0, machineMs - ownMs);
  const otherCores = otherMs / wallMs;
  return { wallMs, ownCores: ownMs / wallMs, otherCores, flagged: otherCores > threshold };
}
