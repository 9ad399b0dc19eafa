/**
 * The child process: sets one contender up for one workload, records its output for checking, warms
 * up, then times repetitions while watching whether other processes took the CPU. It writes one
 * JSON result; the parent never trusts a child that crashed, it reports it as failed.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { CONTENDERS } from './contenders/catalogue.js';
import { concatenate, Unavailable, type CreateInstance, type Instance } from './contenders/types.js';
import { readInputs, writeFloats } from './inputs-io.js';
import { repetitionLoad, sampleCpu, type RepetitionLoad } from './interference.js';
import { findWorkload } from './workloads.js';

export interface ChildJob {
  contender: string;
  workload: string;
  inputsDir: string;
  resultPath: string;
  outputPath: string;
  /** Soft limit on the time spent timing, ms. */
  budgetMs: number;
  interferenceThreshold: number;
}

export interface Repetition extends RepetitionLoad {
  calls: number;
  /** Wall time of one call, ms. */
  msPerCall: number;
}

export type ChildResult =
  | { status: 'unavailable' | 'failed'; reason: string }
  | {
      status: 'ok';
      note?: string;
      setupMs: number;
      warmupCalls: number;
      repetitions: Repetition[];
      /** Peak resident set size of the child process, bytes. */
      peakRssBytes: number;
      /** Peak V8 heap plus external (ArrayBuffers, wasm memories) seen after each repetition, bytes. */
      peakHeapBytes: number;
    };

async function loadFamily(family: string): Promise<CreateInstance> {
  switch (family) {
    case 'tfjs':
      return (await import('./contenders/tfjs.js')).create;
    case 'ort-web':
      return (await import('./contenders/ort-web.js')).create;
    case 'ort-node':
      return (await import('./contenders/ort-node.js')).create;
    case 'jax':
      return (await import('./contenders/jax.js')).create;
    case 'tessera':
      return (await import('./contenders/tessera.js')).create;
    case 'tessera-keras':
      return (await import('./contenders/tessera-keras.js')).create;
    case 'hand-fused':
      return (await import('./contenders/hand-fused.js')).create;
    default:
      throw new Error(`bench: unknown contender family ${family}`);
  }
}

let peakHeap = 0;
function notePeakHeap(): void {
  const m = process.memoryUsage();
  peakHeap = Math.max(peakHeap, m.heapUsed + m.external);
}

async function timeCalls(instance: Instance, calls: number): Promise<void> {
  for (let i = 0; i < calls; i++) await instance.run();
}

async function measure(job: ChildJob): Promise<ChildResult> {
  const info = CONTENDERS.find((c) => c.id === job.contender);
  if (!info) throw new Error(`bench: unknown contender ${job.contender}`);
  const workload = findWorkload(job.workload);
  const inputs = readInputs(job.inputsDir);
  const create = await loadFamily(info.family);

  const setupStart = performance.now();
  const instance = await create(info.variant, workload, inputs);
  const firstCallStart = performance.now();
  const raw = await instance.run();
  const firstCallMs = performance.now() - firstCallStart;
  const first = instance.toReferenceLayout ? instance.toReferenceLayout(raw) : raw;
  let output = first;
  if (workload.checkBy === 'losses') output = concatenate([first, await instance.run(), await instance.run()]);
  else if (instance.state) output = concatenate([first, await instance.state()]);
  writeFloats(job.outputPath, output);
  const setupMs = performance.now() - setupStart;

  // Warm-up: at least two calls and 300 ms (JIT tiers, caches, traced programs, thread pools). The
  // output check's call above is a warm-up too: a call slower than a second gets one more, a call
  // slower than the whole budget none.
  const warmupTimes: number[] = [];
  const warmupStart = performance.now();
  const slow = firstCallMs > job.budgetMs;
  const minimumWarmupCalls = slow ? 0 : firstCallMs > 1000 ? 1 : 2;
  while (
    !slow &&
    (warmupTimes.length < minimumWarmupCalls || (performance.now() - warmupStart < 300 && warmupTimes.length < 50))
  ) {
    const t = performance.now();
    await instance.run();
    warmupTimes.push(performance.now() - t);
    if (performance.now() - warmupStart > job.budgetMs / 2) break;
  }
  notePeakHeap();
  const perCall = warmupTimes.length > 0 ? Math.min(...warmupTimes.slice(-3)) : firstCallMs;
  // Repetitions of at least ~100 ms keep the kernel's 10 ms CPU accounting ticks small beside them.
  const calls = Math.max(1, Math.ceil(100 / Math.max(perCall, 1e-3)));
  const repMs = calls * perCall;
  // 3 to 9 repetitions within the budget; a single call longer than the budget gets 2.
  const reps = repMs > job.budgetMs ? 2 : Math.max(3, Math.min(9, Math.floor(job.budgetMs / repMs)));

  const repetitions: Repetition[] = [];
  for (let r = 0; r < reps; r++) {
    const before = sampleCpu();
    await timeCalls(instance, calls);
    const after = sampleCpu();
    const load = repetitionLoad(before, after, job.interferenceThreshold);
    repetitions.push({ ...load, calls, msPerCall: load.wallMs / calls });
    notePeakHeap();
  }
  await instance.dispose?.();
  return {
    status: 'ok',
    ...(instance.note ? { note: instance.note } : {}),
    setupMs,
    warmupCalls: warmupTimes.length,
    repetitions,
    peakRssBytes: process.resourceUsage().maxRSS * 1024,
    peakHeapBytes: peakHeap,
  };
}

/**
 * `child.js --probe-webgpu`: prints `{"adapter": <the note for the adapter Dawn finds here, or null>}`,
 * for the runner to know whether the environment already provides an adapter before --swiftshader adds one.
 */
async function probeWebGpu(): Promise<void> {
  let adapter: string | null = null;
  let reason: string | undefined;
  try {
    const { adapterNote, navigatorGpu } = await import('./contenders/adapter.js');
    const found = await (await navigatorGpu()).requestAdapter({ powerPreference: 'high-performance' });
    if (found) adapter = adapterNote(found.info, found.isFallbackAdapter);
  } catch (error) {
    reason = (error instanceof Error ? error.message : String(error)).split('\n')[0];
  }
  process.stdout.write(JSON.stringify({ adapter, ...(reason ? { reason } : {}) }) + '\n', () => process.exit(0));
}

async function main(): Promise<void> {
  if (process.argv[2] === '--probe-webgpu') return probeWebGpu();
  const job = JSON.parse(readFileSync(process.argv[2], 'utf8')) as ChildJob;
  let result: ChildResult;
  try {
    result = await measure(job);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    result = { status: error instanceof Unavailable ? 'unavailable' : 'failed', reason: message.split('\n')[0].slice(0, 300) };
  }
  writeFileSync(job.resultPath, JSON.stringify(result));
  // Some libraries keep worker threads alive; the result is written, so leave now.
  process.exit(0);
}

void main();
