/**
 * @tessera/bench: the harness behind `pnpm bench`. Exported for its tests and for anyone who wants to
 * run a subset programmatically; it is never a dependency of a Tessera package.
 */
export { crossCheck, firstMismatch } from './check.js';
export type { CheckVerdict, Mismatch, Tolerance } from './check.js';
export { CONTENDERS, contendersFor } from './contenders/catalogue.js';
export type { ContenderInfo } from './contenders/catalogue.js';
export { repetitionLoad, sampleCpu, DEFAULT_INTERFERENCE_THRESHOLD } from './interference.js';
export type { CpuSample, RepetitionLoad } from './interference.js';
export { writeOnnxModel } from './onnx/writer.js';
export type { OnnxGraph, OnnxNode } from './onnx/writer.js';
export { SeededRandom } from './prng.js';
export { markdownReport, ratio, ratioRows, svgChart } from './report.js';
export type { BenchResults, ContenderOutcome, WorkloadResults } from './results.js';
export { runBench } from './runner.js';
export { median, summarize } from './stats.js';
export type { Summary } from './stats.js';
export { WORKLOADS, findWorkload, selectWorkloads } from './workloads.js';
export type { InputSet, Workload } from './workloads.js';
