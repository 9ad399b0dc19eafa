import { SeededRandom } from './prng.js';
import type { Tolerance } from './check.js';

/**
 * The workloads, their inputs and how to read their figures. Inputs are generated here, once per run,
 * from a fixed seed; every contender reads the same bytes. Layouts follow TensorFlow/Keras (NHWC
 * images, HWIO filters, [in, out] dense kernels, LSTM gates i, f, c, o); a contender whose library
 * wants another layout converts once while setting up, outside the timed region.
 */
export type InputSet = Record<string, { shape: number[]; data: Float32Array }>;

export interface Workload {
  name: string;
  /** Workloads of a group run together: `pnpm bench matmul` runs every matmul size. */
  group: string;
  title: string;
  kind: 'inference' | 'training';
  /** Floating-point operations of one call, when the figure reads well as GFLOP/s. */
  flops?: number;
  tolerance: Tolerance;
  /**
   * What training workloads are checked on: the loss of the first step and the parameters after it
   * ('weights'), or the losses of the first three steps ('losses'). Adam's first update is close to
   * lr·sign(gradient), so a gradient within rounding of zero flips a weight by 2·lr between two
   * correct libraries; the losses that follow are what a wrong update would change.
   */
  checkBy?: 'weights' | 'losses';
  generate(): InputSet;
}

export const MLP_SIZES = [784, 512, 512, 10] as const;
export const LEARNING_RATE_SGD = 0.01;
/**
 * TF.js adds epsilon to sqrt(v̂); Keras (and so Tessera) adds it to sqrt(v) before the bias correction.
 * With Keras's 1e-7 the two differ visibly on small gradients after one step, so the bench uses a
 * smaller epsilon, where both forms give the same update and outputs can be compared.
 */
export const ADAM = { learningRate: 0.001, beta1: 0.9, beta2: 0.999, epsilon: 1e-10 } as const;
export const GELU_A = 0.75;
export const GELU_B = 0.1;
export const LSTM = { batch: 1, steps: 50, features: 64, units: 128 } as const;
export const CNN = { batch: 32, size: 28, filters1: 16, filters2: 32, classes: 10 } as const;

function glorot(rng: SeededRandom, fanIn: number, fanOut: number, n: number): Float32Array {
  const limit = Math.sqrt(6 / (fanIn + fanOut));
  return rng.uniform(n, -limit, limit);
}

function oneHot(rng: SeededRandom, rows: number, classes: number): Float32Array {
  const out = new Float32Array(rows * classes);
  for (let r = 0; r < rows; r++) out[r * classes + rng.int(classes)] = 1;
  return out;
}

function mlpWeights(rng: SeededRandom): InputSet {
  const set: InputSet = {};
  for (let l = 0; l < 3; l++) {
    const fanIn = MLP_SIZES[l];
    const fanOut = MLP_SIZES[l + 1];
    set[`w${l + 1}`] = { shape: [fanIn, fanOut], data: glorot(rng, fanIn, fanOut, fanIn * fanOut) };
    set[`b${l + 1}`] = { shape: [fanOut], data: rng.uniform(fanOut, -0.05, 0.05) };
  }
  return set;
}

function matmul(n: number): Workload {
  return {
    name: `matmul-${n}`,
    group: 'matmul',
    title: `matmul ${n}×${n}×${n}`,
    kind: 'inference',
    flops: 2 * n * n * n,
    tolerance: { rtol: 1e-3, atol: 1e-3 },
    generate() {
      const rng = new SeededRandom(1000 + n);
      return { a: { shape: [n, n], data: rng.uniform(n * n) }, b: { shape: [n, n], data: rng.uniform(n * n) } };
    },
  };
}

function mlpPredict(batch: number): Workload {
  let flops = 0;
  for (let l = 0; l < 3; l++) flops += 2 * batch * MLP_SIZES[l] * MLP_SIZES[l + 1];
  return {
    name: `mlp-predict-b${batch}`,
    group: 'mlp',
    title: `MLP 784-512-512-10 predict, batch ${batch}`,
    kind: 'inference',
    flops,
    tolerance: { rtol: 1e-3, atol: 1e-5 },
    generate() {
      const rng = new SeededRandom(2000 + batch);
      return { x: { shape: [batch, 784], data: rng.uniform(batch * 784, 0, 1) }, ...mlpWeights(rng) };
    },
  };
}

function mlpTrain(optimizer: 'sgd' | 'adam'): Workload {
  const batch = 128;
  let flops = 0;
  for (let l = 0; l < 3; l++) flops += 3 * 2 * batch * MLP_SIZES[l] * MLP_SIZES[l + 1];
  return {
    name: `mlp-train-${optimizer}`,
    group: 'train',
    title: `MLP 784-512-512-10 train step, batch 128, ${optimizer === 'sgd' ? 'SGD' : 'Adam'}`,
    kind: 'training',
    flops,
    tolerance: { rtol: 1e-3, atol: 1e-5 },
    checkBy: optimizer === 'sgd' ? 'weights' : 'losses',
    generate() {
      const rng = new SeededRandom(3000);
      return {
        x: { shape: [batch, 784], data: rng.uniform(batch * 784, 0, 1) },
        y: { shape: [batch, 10], data: oneHot(rng, batch, 10) },
        ...mlpWeights(rng),
      };
    },
  };
}

export const WORKLOADS: readonly Workload[] = [
  matmul(128),
  matmul(256),
  matmul(512),
  matmul(1024),
  {
    name: 'conv2d',
    group: 'conv2d',
    title: 'conv2d 3×3, 1×56×56×64 → 64, same',
    kind: 'inference',
    flops: 2 * 56 * 56 * 64 * 64 * 9,
    tolerance: { rtol: 1e-3, atol: 1e-3 },
    generate() {
      const rng = new SeededRandom(4000);
      return {
        x: { shape: [1, 56, 56, 64], data: rng.uniform(56 * 56 * 64) },
        w: { shape: [3, 3, 64, 64], data: glorot(rng, 9 * 64, 9 * 64, 9 * 64 * 64) },
      };
    },
  },
  {
    name: 'gelu-chain',
    group: 'gelu',
    title: 'gelu(x·a+b) on 1M f32',
    kind: 'inference',
    tolerance: { rtol: 1e-4, atol: 1e-5 },
    generate() {
      const rng = new SeededRandom(5000);
      const n = 1 << 20;
      return {
        x: { shape: [n], data: rng.uniform(n, -4, 4) },
        a: { shape: [1], data: new Float32Array([GELU_A]) },
        b: { shape: [1], data: new Float32Array([GELU_B]) },
      };
    },
  },
  mlpPredict(1),
  mlpPredict(128),
  mlpTrain('sgd'),
  mlpTrain('adam'),
  {
    name: 'cnn-train',
    group: 'train',
    title: 'MNIST CNN train step (conv16-pool-conv32-pool-dense10), batch 32, SGD',
    kind: 'training',
    tolerance: { rtol: 1e-3, atol: 1e-5 },
    generate() {
      const rng = new SeededRandom(6000);
      const { batch, size, filters1: f1, filters2: f2, classes } = CNN;
      const flat = 5 * 5 * f2;
      return {
        x: { shape: [batch, size, size, 1], data: rng.uniform(batch * size * size, 0, 1) },
        y: { shape: [batch, classes], data: oneHot(rng, batch, classes) },
        c1w: { shape: [3, 3, 1, f1], data: glorot(rng, 9, 9 * f1, 9 * f1) },
        c1b: { shape: [f1], data: rng.uniform(f1, -0.05, 0.05) },
        c2w: { shape: [3, 3, f1, f2], data: glorot(rng, 9 * f1, 9 * f2, 9 * f1 * f2) },
        c2b: { shape: [f2], data: rng.uniform(f2, -0.05, 0.05) },
        dw: { shape: [flat, classes], data: glorot(rng, flat, classes, flat * classes) },
        db: { shape: [classes], data: rng.uniform(classes, -0.05, 0.05) },
      };
    },
  },
  {
    name: 'lstm',
    group: 'lstm',
    title: 'LSTM(128) over 50 steps, batch 1, 64 features, predict',
    kind: 'inference',
    tolerance: { rtol: 1e-3, atol: 1e-5 },
    generate() {
      const rng = new SeededRandom(7000);
      const { batch, steps, features, units } = LSTM;
      return {
        x: { shape: [batch, steps, features], data: rng.uniform(batch * steps * features) },
        kernel: { shape: [features, 4 * units], data: glorot(rng, features, 4 * units, features * 4 * units) },
        recurrent: { shape: [units, 4 * units], data: glorot(rng, units, 4 * units, units * 4 * units) },
        bias: { shape: [4 * units], data: rng.uniform(4 * units, -0.1, 0.1) },
      };
    },
  },
];

export function findWorkload(name: string): Workload {
  const w = WORKLOADS.find((x) => x.name === name);
  if (!w) throw new Error(`bench: unknown workload "${name}"; known: ${WORKLOADS.map((x) => x.name).join(', ')}`);
  return w;
}

/** Workloads named on the command line, by name or by group; all of them when none is named. */
export function selectWorkloads(args: readonly string[]): Workload[] {
  if (args.length === 0) return [...WORKLOADS];
  const picked = WORKLOADS.filter((w) => args.includes(w.name) || args.includes(w.group));
  const unknown = args.filter((a) => !WORKLOADS.some((w) => w.name === a || w.group === a));
  if (unknown.length > 0) {
    const names = [...new Set(WORKLOADS.flatMap((w) => [w.group, w.name]))].join(', ');
    throw new Error(`bench: unknown workload ${unknown.map((u) => `"${u}"`).join(', ')}; known: ${names}`);
  }
  return picked;
}
