// Measures the two ways to run conv2d 3×3 on 1×56×56×64 → 64 (same padding) with the built kernels
// (build/kernels.wasm), one thread: implicit GEMM (the input gathered while packing, what the backend
// uses) against im2col + GEMM (the patch matrix written out first). Interleaved runs; best and median.
// Run after `pnpm build`: node scripts/compare-conv-algorithms.mjs [--runs 40]
import { readFileSync } from 'node:fs';

const at = process.argv.indexOf('--runs');
const runs = at >= 0 ? Number(process.argv[at + 1]) : 40;
const [H, W, C, O] = [56, 56, 64, 64];
const K = 9 * C;
const P = H * W;

const memory = new WebAssembly.Memory({ initial: 16, maximum: 65536 });
const bytes = readFileSync(new URL('../build/kernels.wasm', import.meta.url));
const { instance } = await WebAssembly.instantiate(bytes, { env: { memory, mathLog: Math.log, mathCos: Math.cos } });
const e = instance.exports;
const X = Math.ceil(e.heapBase() / 64) * 64;
const F = X + P * C * 4;
const Y = F + K * O * 4;
const COLUMNS = Y + P * O * 4;
const PLAN = COLUMNS + P * K * 4;
const WORK = PLAN + 1024;
memory.grow(Math.ceil((WORK + e.gemm_work_bytes() - memory.buffer.byteLength) / 65536) + 1);
const f32 = new Float32Array(memory.buffer);
for (let i = 0; i < P * C + K * O; i++) f32[X / 4 + i] = ((i * 7919) % 1000) / 500 - 1;
// batch, inH, inW, C, C per group, kh, kw, strides, dilations, padding top/left, outH, outW
new Int32Array(memory.buffer).set([1, H, W, C, C, 3, 3, 1, 1, 1, 1, 1, 1, H, W], PLAN / 4);

const algorithms = {
  'implicit GEMM': () => {
    e.gemm_clear_epilogue();
    e.conv_gemm_f32(X, PLAN, 0, F, O, 1, Y, O, 0, P, O, K, 0, WORK);
  },
  'im2col + GEMM': () => {
    e.gemm_clear_epilogue();
    e.im2col_f32(X, PLAN, 0, 0, P, COLUMNS);
    e.gemm_f32(COLUMNS, K, 1, F, O, 1, Y, O, 0, P, O, K, 0, WORK);
  },
};
const times = Object.fromEntries(Object.keys(algorithms).map((name) => [name, []]));
for (let r = 0; r < runs; r++) {
  for (const [name, run] of Object.entries(algorithms)) {
    const start = performance.now();
    run();
    times[name].push(performance.now() - start);
  }
}
const gflops = (ms) => ((2 * P * K * O) / (ms / 1000) / 1e9).toFixed(2);
for (const [name, samples] of Object.entries(times)) {
  const sorted = [...samples].sort((a, b) => a - b);
  console.log(`${name.padEnd(14)} best ${gflops(sorted[0])} GFLOP/s, median ${gflops(sorted[Math.floor(sorted.length / 2)])} GFLOP/s`);
}
