// gelu(x·a + b) on 1M float32 (x: [1024, 1024], a and b: [1024]) three ways on the wasm backend:
//   fused      trace(f): one fused region, run by runFused (the tile interpreter); also runFused alone
//   hand-fused one SIMD pass written out by hand (assembly/bench-gelu.ts, benchmark only)
//   eager      op by op, each op a full pass over memory
// for the exact (erf) and the approximate (tanh) gelu, and for relu(x·a + b), a chain of cheap ops
// where the interpreter's passes over its tiles weigh the most. Checks that all give the same bits.
// Run after `pnpm build`: node scripts/bench-fused.mjs [rounds] [runsPerRound] [rows (1024: 1M elements)] [case name filter]
// Timings on a shared machine are noisy: each figure is the best of `rounds` medians.
import { add, gelu, mul, relu, setBackend, tensor, tidy } from '@tessera/core';
import { trace } from '@tessera/tracer';
import '../dist/index.js';

const rounds = Number(process.argv[2] ?? 5);
const runs = Number(process.argv[3] ?? 11);
const ROWS = Number(process.argv[4] ?? 1024);
const COLS = 1024;

const backend = await setBackend('wasm');
const context = backend['context'];

function values(n, seed) {
  let s = seed;
  return Float32Array.from({ length: n }, () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32 - 0.5) * 6);
}

const x = tensor(values(ROWS * COLS, 1), [ROWS, COLS]);
const a = tensor(values(COLS, 2), [COLS]);
const b = tensor(values(COLS, 3), [COLS]);

/** Best of `rounds` medians of `runs` timed calls, in ms. */
function time(fn) {
  fn();
  let best = Infinity;
  for (let r = 0; r < rounds; r++) {
    const samples = [];
    for (let i = 0; i < runs; i++) {
      const t0 = performance.now();
      fn();
      samples.push(performance.now() - t0);
    }
    samples.sort((p, q) => p - q);
    best = Math.min(best, samples[samples.length >> 1]);
  }
  return best;
}

const bitsEqual = (p, q) => p.length === q.length && Buffer.compare(Buffer.from(p.buffer, p.byteOffset, p.byteLength), Buffer.from(q.buffer, q.byteOffset, q.byteLength)) === 0;

const rows = [];
const CASES = [
  { name: 'gelu (tanh)', fn: (x, a, b) => gelu(add(mul(x, a), b), true), hand: 'bench_handFusedGelu_f32', extra: [1] },
  { name: 'gelu (erf)', fn: (x, a, b) => gelu(add(mul(x, a), b), false), hand: 'bench_handFusedGelu_f32', extra: [0] },
  { name: 'relu', fn: (x, a, b) => relu(add(mul(x, a), b)), hand: 'bench_handFusedAffineRelu_f32', extra: [] },
];
for (const { name, fn, hand, extra } of CASES.filter((c) => c.name.includes(process.argv[5] ?? ''))) {
  const f = trace(fn);

  const eagerOut = tidy(() => fn(x, a, b).dataSync());
  const tracedOut = tidy(() => f(x, a, b).dataSync());

  // The region alone: the traced graph's fused node, its inputs bound to x, a, b and its constants.
  const graph = f.graphFor(x, a, b).graph;
  const fusedNodes = graph.nodes.filter((n) => n.op === 'fused');
  if (fusedNodes.length !== 1) throw new Error(`expected one fused region, got ${fusedNodes.length}`);
  const node = fusedNodes[0];
  const byValue = new Map(graph.inputs.map((id, i) => [id, [x, a, b][i]]));
  for (const n of graph.nodes) if (n.op === 'constant') byValue.set(n.outputs[0], tensor(n.attrs.value, graph.values.get(n.outputs[0]).shape));
  const inputs = node.inputs.map((id) => ({ id: byValue.get(id).dataId, shape: byValue.get(id).shape, dtype: byValue.get(id).dtype }));
  const outputs = node.outputs.map((id) => ({ shape: graph.values.get(id).shape, dtype: graph.values.get(id).dtype }));

  // Hand-fused: one SIMD pass into a buffer of its own.
  const out = backend.write(new Float32Array(ROWS * COLS), [ROWS, COLS], 'float32');
  const handFused = () =>
    context.exports[hand](context.address(x.dataId), context.address(a.dataId), context.address(b.dataId), context.address(out), ROWS, COLS, ...extra);
  handFused();
  const handOut = backend.readSync(out);
  const [regionId] = backend.runFused(node.program, inputs, outputs);
  const regionOut = backend.readSync(regionId);
  backend.free(regionId);
  const same = bitsEqual(eagerOut, tracedOut) && bitsEqual(eagerOut, handOut) && bitsEqual(eagerOut, regionOut);

  const tHand = time(handFused);
  const tRegion = time(() => backend.free(backend.runFused(node.program, inputs, outputs)[0]));
  const tTraced = time(() => f(x, a, b).dispose());
  const tEager = time(() => tidy(() => fn(x, a, b)).dispose());
  backend.free(out);
  rows.push({ name, same, tHand, tRegion, tTraced, tEager, instructions: node.program.instructions.length });
}

const ms = (t) => `${t.toFixed(2)} ms`;
console.log(`f(x·a + b), x [${ROWS}, ${COLS}] f32, a and b [${COLS}]; best of ${rounds} medians of ${runs} runs; 1 thread`);
console.log('| f(x·a + b) | region ops | hand-fused | runFused alone | traced call | eager | runFused / hand | traced / hand | eager / traced | bits equal |');
console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
for (const r of rows) {
  console.log(
    `| ${r.name} | ${r.instructions} | ${ms(r.tHand)} | ${ms(r.tRegion)} | ${ms(r.tTraced)} | ${ms(r.tEager)} | ` +
      `${(r.tRegion / r.tHand).toFixed(2)}× | ${(r.tTraced / r.tHand).toFixed(2)}× | ${(r.tEager / r.tTraced).toFixed(2)}× | ${r.same ? 'yes' : 'NO'} |`,
  );
}
