// Host cost of a warm traced call on WebGPU: the replayed capture (backend.compile) against the
// tracer's generic executor over the same kernels, on the same device in one process.
//
//   VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json LD_LIBRARY_PATH=/usr/lib/chromium \
//     XDG_RUNTIME_DIR=/tmp node scripts/bench-replay.mjs
//
// "issue" is the JavaScript time per call when calls go back to back with nothing read in between
// (a training loop, a frame's work): what the main thread pays per call. "call+read" adds waiting
// for each result, which on SwiftShader is the CPU emulating the GPU, so only a real GPU gives that
// column meaning. Needs the packages built (pnpm build).
import { randomNormal, setBackend, tidy } from '@tessera/core';
import { trace } from '@tessera/tracer';
import '@tessera/backend-webgpu';

const backend = await setBackend('webgpu');
const adapterInfo = backend.context.adapter.info ?? {};
console.log(`adapter: ${adapterInfo.vendor ?? '?'} ${adapterInfo.architecture ?? ''} ${adapterInfo.description ?? ''}`.trim());

const mlpWeights = tidy(() => {
  const dense = (n, m) => [randomNormal([n, m], 0, 0.05, 'float32', 1 + n), randomNormal([m], 0, 0.05, 'float32', 2 + m)];
  return [...dense(784, 512), ...dense(512, 512), ...dense(512, 10)];
});
const mlp = (x) => {
  const [w1, b1, w2, b2, w3, b3] = mlpWeights;
  return x.matMul(w1).add(b1).relu().matMul(w2).add(b2).relu().matMul(w3).add(b3).softmax();
};
const gelu = (x) => {
  const y = x.mul(1.5).add(0.25);
  const inner = y.add(y.mul(y).mul(y).mul(0.044715)).mul(Math.sqrt(2 / Math.PI));
  return y.mul(0.5).mul(inner.tanh().add(1)).sum();
};
const deep = (x) => {
  // Many small dispatches: twelve dense layers of 64 with layer normalization, batch 8.
  let h = x;
  for (let layer = 0; layer < 12; layer++) {
    h = h.matMul(deepWeights[layer]).relu();
    const { mean, variance } = moments(h);
    h = h.sub(mean).div(variance.add(1e-5).sqrt());
  }
  return h.sum(1);
};
const deepWeights = tidy(() => Array.from({ length: 12 }, (_, k) => randomNormal([64, 64], 0, 0.1, 'float32', 10 + k)));
function moments(h) {
  const mean = h.mean(1, true);
  const variance = h.sub(mean).square().mean(1, true);
  return { mean, variance };
}

const workloads = [
  { name: 'MLP 784-512-512-10 predict, batch 1', fn: mlp, input: () => randomNormal([1, 784], 0, 1, 'float32', 7) },
  { name: '12 dense+norm layers of 64, batch 8', fn: deep, input: () => randomNormal([8, 64], 0, 1, 'float32', 8) },
  { name: 'gelu(x·a+b) then sum, 64K f32', fn: gelu, input: () => randomNormal([65536], 0, 1, 'float32', 9) },
];

const CALLS = 300;
const READS = 30;

async function measure(fn, x, compiled) {
  // An own property shadows the prototype's compile: the tracer then picks its generic executor.
  if (!compiled) backend.compile = undefined;
  try {
    const f = trace(fn);
    for (let i = 0; i < 20; i++) {
      const y = f(x);
      await y.data();
      y.dispose();
    }
    // Issue: calls back to back, nothing read (a training loop or a frame's work), then one wait.
    const stats0 = backend.stats();
    const r0 = performance.now();
    let last;
    for (let i = 0; i < CALLS; i++) {
      last?.dispose();
      last = f(x);
    }
    const recordMs = performance.now() - r0;
    await last.data();
    last.dispose();
    const stats1 = backend.stats();
    // Call and read, one at a time.
    const t0 = performance.now();
    for (let i = 0; i < READS; i++) {
      const y = f(x);
      await y.data();
      y.dispose();
    }
    const totalMs = (performance.now() - t0) * (CALLS / READS);
    f.dispose();
    return {
      record: recordMs / CALLS,
      total: totalMs / CALLS,
      dispatches: (stats1.dispatches - stats0.dispatches) / CALLS,
      bindGroups: (stats1.bindGroups - stats0.bindGroups) / CALLS,
    };
  } finally {
    delete backend.compile;
  }
}

const rows = [];
for (const w of workloads) {
  const x = w.input();
  // Alternate, twice each, and keep each one's best, so a noisy neighbour hurts both alike.
  const runs = { generic: [], compiled: [] };
  for (let round = 0; round < 2; round++) {
    runs.generic.push(await measure(w.fn, x, false));
    runs.compiled.push(await measure(w.fn, x, true));
  }
  const best = (list) => list.reduce((a, b) => (b.record < a.record ? b : a));
  const g = best(runs.generic);
  const c = best(runs.compiled);
  rows.push(
    `| ${w.name} | ${g.dispatches} | ${g.record.toFixed(3)} ms (${g.bindGroups.toFixed(2)} bind groups) | ${c.record.toFixed(3)} ms (${c.bindGroups.toFixed(2)} bind groups) | ${(g.record / c.record).toFixed(2)}× | ${g.total.toFixed(3)} ms | ${c.total.toFixed(3)} ms |`,
  );
  x.dispose();
}
console.log(`\nissue: ${CALLS} warm calls back to back; call+read: ${READS} calls each read; best of 2 alternating rounds\n`);
console.log('| workload | dispatches per call | issue, generic executor | issue, replayed capture | issue speed-up | call+read, generic | call+read, replayed |');
console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: |');
for (const row of rows) console.log(row);
process.exit(0);
