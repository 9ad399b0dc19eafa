// GFLOP/s of the wasm backend's matMul (128..1024 square) and conv2d (3×3, 1×56×56×64 → 64, same
// padding) at each thread count given: the median of `reps` timed repetitions after a warm-up, taken
// in `rounds` interleaved rounds; the table shows the best round's median and the median of all
// rounds' medians (on a shared machine the first estimates the unloaded speed, the second shows the
// load), and the work per second of process CPU time (per thread: all threads' CPU time counts),
// which time spent waiting for a core does not dilute. Run after `pnpm build`:
//   node scripts/bench-matmul.mjs [--threads 1,2] [--reps 7] [--rounds 3] [--sizes 128,256] [--no-conv] [--extra]
import { conv2d, conv2dBackpropFilter, conv2dBackpropInput, depthwiseConv2d, engine, matMul, tensor } from '@tessera/core';
import * as wasm from '../dist/index.js';

async function setThreads(n) {
  if (wasm.setThreads !== undefined) return wasm.setThreads(n);
  if (n !== 1) throw new Error('this build has no setThreads');
}

function option(name, fallback) {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? process.argv[at + 1] : fallback;
}

const threadCounts = option('threads', '1').split(',').map(Number);
const reps = Number(option('reps', '7'));
const rounds = Number(option('rounds', '3'));
const sizes = option('sizes', '128,256,512,1024').split(',').map(Number);
const skipConv = process.argv.includes('--no-conv');
/** Also the conv backprops and a depthwise conv on the same image. */
const extra = process.argv.includes('--extra');

await engine.setBackend('wasm');

/** A tensor of uniform values in [-1, 1), made in JS (the backend's own random op is not what is measured). */
function randomUniform(shape) {
  const values = new Float32Array(shape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < values.length; i++) values[i] = Math.random() * 2 - 1;
  return tensor(values, shape);
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/**
 * Seconds per `run()` (which returns a tensor to dispose), with enough calls per sample to last
 * ~20 ms: the median wall time of the samples, and the median process CPU time (all threads), which
 * a loaded machine inflates far less than wall time since time spent descheduled is not counted.
 */
function time(run) {
  const first = performance.now();
  run().dispose();
  const once = Math.max(performance.now() - first, 0.01);
  const inner = Math.max(1, Math.ceil(20 / once));
  for (let i = 0; i < inner; i++) run().dispose();
  const wall = [];
  const cpu = [];
  for (let r = 0; r < reps; r++) {
    const start = performance.now();
    const cpuStart = process.cpuUsage();
    for (let i = 0; i < inner; i++) run().dispose();
    const used = process.cpuUsage(cpuStart);
    wall.push((performance.now() - start) / inner / 1000);
    cpu.push((used.user + used.system) / inner / 1e6);
  }
  return { wall: median(wall), cpu: median(cpu) };
}

const results = new Map();
function record(threads, work, flops, { wall, cpu }) {
  const key = `${threads}|${work}`;
  const entry = results.get(key) ?? { threads, work, flops, medians: [], cpuMedians: [] };
  entry.medians.push(wall);
  entry.cpuMedians.push(cpu);
  results.set(key, entry);
}

for (let round = 0; round < rounds; round++) {
  for (const threads of threadCounts) {
    await setThreads(threads);
    for (const n of sizes) {
      const a = randomUniform([n, n]);
      const b = randomUniform([n, n]);
      record(threads, `matmul ${n}`, 2 * n ** 3, time(() => matMul(a, b)));
      a.dispose();
      b.dispose();
    }
    if (!skipConv) {
      const x = randomUniform([1, 56, 56, 64]);
      const f = randomUniform([3, 3, 64, 64]);
      record(threads, 'conv2d 3x3 1x56x56x64->64 same', 2 * 56 * 56 * 64 * 64 * 9, time(() => conv2d(x, f, { padding: 'same' })));
      if (extra) {
        const dy = randomUniform([1, 56, 56, 64]);
        const options = { padding: 'same' };
        record(threads, 'conv2dBackpropInput (same shapes)', 2 * 56 * 56 * 64 * 64 * 9, time(() => conv2dBackpropInput(dy, f, x.shape, options)));
        record(threads, 'conv2dBackpropFilter (same shapes)', 2 * 56 * 56 * 64 * 64 * 9, time(() => conv2dBackpropFilter(x, dy, f.shape, options)));
        const depthwise = randomUniform([3, 3, 64, 1]);
        record(threads, 'depthwiseConv2d 3x3 56x56x64', 2 * 56 * 56 * 64 * 9, time(() => depthwiseConv2d(x, depthwise, options)));
        dy.dispose();
        depthwise.dispose();
      }
      x.dispose();
      f.dispose();
    }
  }
}
await setThreads(1);

console.log(`reps ${reps} × rounds ${rounds}; load average ${(await import('node:os')).loadavg().map((l) => l.toFixed(2)).join(' ')}`);
console.log(
  'threads | work                               | best ms  | best GFLOP/s | median GFLOP/s | GFLOP per CPU-s (per thread)',
);
for (const { threads, work, flops, medians, cpuMedians } of results.values()) {
  const best = Math.min(...medians);
  const typical = median(medians);
  const cpu = Math.min(...cpuMedians);
  console.log(
    `${String(threads).padStart(7)} | ${work.padEnd(34)} | ${(best * 1e3).toFixed(3).padStart(8)} | ` +
      `${(flops / best / 1e9).toFixed(2).padStart(12)} | ${(flops / typical / 1e9).toFixed(2).padStart(14)} | ` +
      `${(flops / cpu / 1e9).toFixed(2).padStart(28)}`,
  );
}
