import { Worker } from 'node:worker_threads';
import { PEAK_FLOPS_PER_ITERATION, peakModule } from './kernels.js';

/**
 * Measures the machine's WASM SIMD mul+add peak, GFLOP/s, for one thread and for `threads` threads
 * running together (each in its own worker, started at the same moment). Each figure is the best of
 * several runs: interference from other processes can only lower it.
 */
export interface SimdPeak {
  perThreadGflops: number;
  threads: number;
  allThreadsGflops: number;
}

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { bytes, iterations, gate } = workerData;
const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes));
const flag = new Int32Array(gate);
Atomics.add(flag, 1, 1);
Atomics.wait(flag, 0, 0);
const start = performance.now();
instance.exports.peak(iterations);
parentPort.postMessage(performance.now() - start);
`;

function runOnce(bytes: Uint8Array<ArrayBuffer>, iterations: number): number {
  const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes));
  const peak = instance.exports.peak as (n: number) => number;
  const start = performance.now();
  peak(iterations);
  return performance.now() - start;
}

async function runTogether(bytes: Uint8Array<ArrayBuffer>, iterations: number, threads: number): Promise<number[]> {
  const gate = new SharedArrayBuffer(8);
  const flag = new Int32Array(gate);
  const workers = Array.from({ length: threads }, () => new Worker(WORKER_SOURCE, { eval: true, workerData: { bytes, iterations, gate } }));
  const times = workers.map((w) => new Promise<number>((resolve, reject) => w.once('message', resolve).once('error', reject)));
  while (Atomics.load(flag, 1) < threads) await new Promise((r) => setTimeout(r, 1));
  Atomics.store(flag, 0, 1);
  Atomics.notify(flag, 0);
  const result = await Promise.all(times);
  await Promise.all(workers.map((w) => w.terminate()));
  return result;
}

export async function measureSimdPeak(threads = 2, targetMs = 200, runs = 5): Promise<SimdPeak> {
  const bytes = peakModule();
  runOnce(bytes, 100_000);
  const probe = runOnce(bytes, 1_000_000);
  const iterations = Math.max(100_000, Math.round((1_000_000 * targetMs) / Math.max(probe, 0.1)));
  const flops = iterations * PEAK_FLOPS_PER_ITERATION;
  let perThread = 0;
  for (let r = 0; r < runs; r++) perThread = Math.max(perThread, flops / runOnce(bytes, iterations) / 1e6);
  let together = 0;
  for (let r = 0; r < Math.min(3, runs); r++) {
    const times = await runTogether(bytes, iterations, threads);
    together = Math.max(together, times.reduce((sum, ms) => sum + flops / ms / 1e6, 0));
  }
  return { perThreadGflops: perThread, threads, allThreadsGflops: together };
}
