import type { CheckVerdict } from './check.js';
import type { Repetition } from './child.js';
import type { MachineInfo } from './machine.js';
import type { Summary } from './stats.js';
import type { SimdPeak } from './wasm/peak.js';

/** The shape of results/<date>.json. */
export interface ContenderOutcome {
  contender: string;
  status: 'ok' | 'unavailable' | 'failed';
  reason?: string;
  /** Wall time of one call, ms, over all repetitions. */
  ms?: Summary;
  /** The same over the repetitions during which no other process took the CPU. */
  cleanMs?: Summary;
  interferedRepetitions?: number;
  /** Median CPU time of the contender's process per wall second: how many cores it really kept busy. */
  ownCores?: number;
  repetitions?: Repetition[];
  gflops?: number;
  peakRssBytes?: number;
  peakHeapBytes?: number;
  setupMs?: number;
  note?: string;
  check?: CheckVerdict;
  /** With `--rounds`: every round's median, ms (the outcome above is the lowest one's round). */
  roundMedians?: number[];
}

export interface WorkloadResults {
  workload: string;
  title: string;
  kind: 'inference' | 'training';
  flops?: number;
  outcomes: ContenderOutcome[];
}

export interface BenchResults {
  date: string;
  /** What was measured, in words (`--label`): e.g. which branches were merged for the run. */
  label?: string;
  /** `--rounds=N`: each cell is its contender's best of N rounds. */
  rounds?: number;
  machine: MachineInfo;
  simdPeak: SimdPeak;
  workloads: WorkloadResults[];
}
