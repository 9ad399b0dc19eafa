import { beforeAll, describe, expect, it } from 'vitest';
import {
  ArgumentError,
  ShapeError,
  type Tensor,
  type Variable,
  dispose,
  grads,
  memory,
  ones,
  setBackend,
  sum,
  tensor,
  tidy,
} from '@tessera/core';
import { registerReferenceBackend } from '@tessera/core/testing';
import {
  Add,
  BatchNormalization,
  Concatenate,
  Embedding,
  Conv2D,
  Dense,
  Dropout,
  type CallArgs,
  LSTM,
  Layer,
  type LayerInputs,
  type LayerShape,
  Masking,
  TimeDistributed,
  deserializeLayer,
  getAttachedMask,
  l2,
  registerLayer,
  serializeLayer,
} from '../src/index.js';

beforeAll(async () => {
  await setBackend(registerReferenceBackend());
});

const values = (t: Tensor): number[] => Array.from(t.dataSync() as Float32Array);

/** The stateful-layer example: a running sum of everything it has seen. */
class RunningSum extends Layer {
  static override className = 'RunningSum';
  total: Variable | null = null;
  buildCount = 0;
  override build(shape: LayerShape | readonly LayerShape[]): void {
    this.buildCount++;
    this.total = this.addWeight({ name: 'total', shape: [(shape as LayerShape)[1]!], initializer: 'zeros', trainable: false });
  }
  call(inputs: LayerInputs): Tensor {
    const x = inputs as Tensor;
    this.total!.assignAdd(sum(x, 0));
    return x.mul(2);
  }
}

/** A block holding two Dense layers as properties: tracked without any registration. */
class TwoDense extends Layer {
  static override className = 'TwoDense';
  readonly first = new Dense({ units: 3 });
  readonly second = new Dense({ units: 2, useBias: false });
  readonly scale: Variable;
  constructor() {
    super();
    this.scale = this.addWeight({ name: 'scale', shape: [], initializer: 'ones' });
  }
  call(inputs: LayerInputs, args: CallArgs): Tensor {
    return (this.second.apply(this.first.apply(inputs as Tensor, args)) as Tensor).mul(this.scale);
  }
}

describe('Layer', () => {
  it('builds once, on the first call, from the input shape', () => {
    const layer = new RunningSum();
    expect(layer.built).toBe(false);
    tidy(() => {
      layer.apply(tensor([[1, 2], [3, 4]]));
      layer.apply(tensor([[10, 20]]));
    });
    expect(layer.built).toBe(true);
    expect(layer.buildCount).toBe(1);
    expect(layer.weights.map((w) => w.shape)).toEqual([[2]]);
  });

  it('counts every call in a state variable updated with assignAdd', () => {
    const layer = new RunningSum();
    for (let i = 0; i < 5; i++) tidy(() => layer.apply(tensor([[1, 1], [0, 2]])));
    expect(values(layer.total!)).toEqual([5, 15]);
    expect(layer.trainableWeights).toEqual([]);
    expect(layer.nonTrainableWeights).toEqual([layer.total]);
    layer.dispose();
  });

  it('refuses weights added after build, naming the layer and the weight', () => {
    const layer = new RunningSum({ name: 'summer' } as never);
    tidy(() => layer.apply(tensor([[1, 2]])));
    expect(() => layer.addWeight({ name: 'late', shape: [1] })).toThrow(ArgumentError);
    expect(() => layer.addWeight({ name: 'late', shape: [1] })).toThrow(/summer: addWeight\('late'\) after the layer was built/);
    layer.dispose();
  });

  it('tracks layers assigned as properties: weights in Keras order, trainable flags', () => {
    const block = new TwoDense();
    tidy(() => block.apply(ones([2, 4])));
    expect(block.layers).toEqual([block.first, block.second]);
    expect(block.weights.map((w) => w.shape)).toEqual([[], [4, 3], [3], [3, 2]]);
    expect(block.trainableWeights.length).toBe(4);
    expect(block.countParams()).toBe(1 + 12 + 3 + 6);
    block.second.trainable = false;
    expect(block.trainableWeights.map((w) => w.shape)).toEqual([[], [4, 3], [3]]);
    expect(block.nonTrainableWeights.map((w) => w.shape)).toEqual([[3, 2]]);
    block.trainable = false;
    expect(block.trainableWeights).toEqual([]);
    expect(block.nonTrainableWeights.length).toBe(4);
    expect(block.first.trainable).toBe(false);
    block.dispose();
  });

  it('getWeights copies and setWeights replaces, with clear errors on count and shape', () => {
    const dense = new Dense({ units: 2, name: 'd_weights' });
    dense.build([null, 3]);
    dense.setWeights([tensor([[1, 2], [3, 4], [5, 6]]), new Float32Array([0.5, -0.5])]);
    const copies = dense.getWeights();
    expect(values(copies[0])).toEqual([1, 2, 3, 4, 5, 6]);
    dense.setWeights([tensor([[0, 0], [0, 0], [0, 0]]), tensor([1, 1])]);
    expect(values(copies[0])).toEqual([1, 2, 3, 4, 5, 6]);
    expect(() => dense.setWeights([tensor([1, 2])])).toThrow(/d_weights: setWeights expects 2 arrays \(d_weights\/kernel \[3,2\], d_weights\/bias \[2\]\), got 1/);
    expect(() => dense.setWeights([tensor([[1, 2, 3]]), tensor([1, 1])])).toThrow(
      /d_weights: setWeights value 0 for 'd_weights\/kernel' must have shape \[3,2\], got \[1,3\]/,
    );
    expect(() => dense.setWeights([tensor([[1, 2], [3, 4], [5, 6]]), new Float32Array(3)])).toThrow(ShapeError);
    dispose(copies);
    dense.dispose();
  });

  it('checks inputs against its spec: the error names the layer, expected and given', () => {
    const dense = new Dense({ units: 2, name: 'spec_dense' });
    expect(() => tidy(() => dense.apply(tensor([1, 2, 3])))).toThrow(/spec_dense: input must be at least rank 2, got shape \[3\]/);
    tidy(() => dense.apply(ones([1, 3])));
    expect(() => tidy(() => dense.apply(ones([1, 4])))).toThrow(/spec_dense: input must have size 3 on axis -1, got shape \[1,4\]/);
    const conv = new Conv2D({ filters: 1, kernelSize: 2, name: 'spec_conv' });
    expect(() => tidy(() => conv.apply(ones([4, 4, 1])))).toThrow(/spec_conv: input must be at least rank 4, got shape \[4,4,1\]/);
    expect(() => new Dense({ units: 0 })).toThrow(/Dense: units must be a positive integer, got 0/);
    dense.dispose();
  });

  it('adds regularization penalties and activity losses to losses', () => {
    const dense = new Dense({ units: 2, kernelRegularizer: l2(0.5), activityRegularizer: 'l1' });
    dense.build([null, 2]);
    dense.setWeights([tensor([[1, 2], [3, -1]]), tensor([0, 0])]);
    tidy(() => dense.apply(tensor([[1, 0], [0, 1]])));
    const losses = dense.losses;
    // Activity: 0.01 * Σ|y| / batch, y = [[1,2],[3,-1]] → 0.01 * 7 / 2; kernel: 0.5 * Σw² = 7.5.
    expect(losses.map((l) => l.dataSync()[0]).sort((a, b) => a - b)).toEqual([expect.closeTo(0.035, 6), expect.closeTo(7.5, 6)]);
    dispose(losses);
    const total = dense.totalLoss();
    expect(total.dataSync()[0]).toBeCloseTo(7.535, 5);
    total.dispose();
    dense.dispose();
  });

  it('passes the training flag down to nested layers', () => {
    const wrapped = new TimeDistributed({ layer: new Dropout({ rate: 0.5, seed: 3 }) });
    const x = ones([2, 3, 40]);
    const inference = wrapped.apply(x) as Tensor;
    const training = wrapped.apply(x, { training: true }) as Tensor;
    expect(values(inference).every((v) => v === 1)).toBe(true);
    const dropped = values(training).filter((v) => v === 0).length;
    expect(dropped).toBeGreaterThan(40);
    expect(values(training).every((v) => v === 0 || v === 2)).toBe(true);
    dispose([x, inference, training]);
  });

  it('carries masks from Masking into a recurrent layer as Keras does', () => {
    const data = tensor([[[1, 2], [0, 0], [3, 1]], [[0, 0], [2, 2], [1, 0]]]);
    const masking = new Masking();
    const lstm = new LSTM({ units: 2, returnSequences: true, kernelInitializer: { class_name: 'RandomUniform', config: { seed: 1 } } });
    const masked = masking.apply(data) as Tensor;
    const mask = getAttachedMask(masked)!;
    expect(Array.from(mask.dataSync())).toEqual([1, 0, 1, 0, 1, 1]);
    const implicit = lstm.apply(masked) as Tensor;
    const explicit = lstm.apply(masked, { mask }) as Tensor;
    expect(values(implicit)).toEqual(values(explicit));
    // The step masked in the first sample repeats the previous output.
    const out = values(implicit);
    expect(out.slice(2, 4)).toEqual(out.slice(0, 2));
    // The step masked before the first unmasked one outputs zeros.
    expect(out.slice(6, 8)).toEqual([0, 0]);
    expect(getAttachedMask(implicit)).toBe(mask);
    dispose([data, masked, mask, implicit, explicit]);
    lstm.dispose();
  });

  it('merges masks as Keras does: Add ANDs them, Concatenate keeps a step any input keeps', () => {
    const embedding = new Embedding({ inputDim: 5, outputDim: 2, maskZero: true });
    const a = embedding.apply(tensor([[1, 0, 2]], [1, 3], 'int32')) as Tensor;
    const b = embedding.apply(tensor([[0, 3, 2]], [1, 3], 'int32')) as Tensor;
    const mask = (t: Tensor) => Array.from(getAttachedMask(t)!.dataSync()).map(Number);
    const alongTime = new Concatenate({ axis: 1 }).apply([a, b]) as Tensor;
    const alongFeatures = new Concatenate().apply([a, b]) as Tensor;
    const sum = new Add().apply([a, b]) as Tensor;
    expect(alongTime.shape).toEqual([1, 6, 2]);
    expect(mask(alongTime)).toEqual([1, 0, 1, 0, 1, 1]);
    expect(mask(alongFeatures)).toEqual([1, 1, 1]);
    expect(mask(sum)).toEqual([0, 0, 1]);
    dispose([a, b, alongTime, alongFeatures, sum].flatMap((t) => [t, getAttachedMask(t)]));
    embedding.dispose();
  });

  it('BatchNormalization takes masked batch statistics as Keras does', () => {
    const x = tensor(Array.from({ length: 24 }, (_, i) => Math.fround(Math.sin(i * 0.37 + 1) * 2)), [2, 4, 3]);
    const mask = tensor([[1, 1, 0, 0], [1, 1, 1, 0]], [2, 4], 'bool');
    const bn = new BatchNormalization({ momentum: 0.5 });
    const y = bn.apply(x, { training: true, mask }) as Tensor;
    // Printed by Keras 3.15: BatchNormalization(momentum=0.5)(x, training=True, mask=mask).
    const kerasY = [0.624707, 0.826915, 0.990799, 0.650581, 0.134216, -0.689454, -0.804922, -1.851598, -3.138061, -2.125208, -2.92493, -3.635411,
      -1.843867, -1.893654, -1.629109, -0.273376, 0.096815, 0.652493, 0.841955, 0.835709, 0.67527, 0.263354, -0.497644, -1.586074];
    expect(values(y)).toEqual(kerasY.map((v) => expect.closeTo(v, 4)));
    expect(values(bn.movingMean!)).toEqual([0.439546, 0.543549, 0.573985].map((v) => expect.closeTo(v, 5)));
    expect(values(bn.movingVariance!)).toEqual([1.327382, 1.056425, 0.844875].map((v) => expect.closeTo(v, 5)));
    dispose([x, mask, y]);
    bn.dispose();
  });

  it('keeps a frozen BatchNormalization in inference mode even when training', () => {
    const bn = new BatchNormalization();
    bn.build([null, 2]);
    bn.trainable = false;
    const x = tensor([[1, 2], [3, 6]]);
    const y = bn.apply(x, { training: true }) as Tensor;
    expect(values(bn.movingMean!)).toEqual([0, 0]);
    expect(values(y)).toEqual([expect.closeTo(1 / Math.sqrt(1.001), 5), expect.closeTo(2 / Math.sqrt(1.001), 5), expect.closeTo(3 / Math.sqrt(1.001), 5), expect.closeTo(6 / Math.sqrt(1.001), 5)]);
    bn.trainable = true;
    dispose(bn.apply(x, { training: true }));
    expect(values(bn.movingMean!)).toEqual([expect.closeTo(0.02, 6), expect.closeTo(0.04, 6)]);
    dispose([x, y]);
    bn.dispose();
  });

  it('differentiates through a layer with core autodiff', () => {
    const dense = new Dense({ units: 2 });
    dense.build([null, 3]);
    dense.setWeights([tensor([[1, 2], [3, 4], [5, 6]]), tensor([1, -1])]);
    const [dx] = grads((x: Tensor) => sum(dense.apply(x) as Tensor))([tensor([[0.1, 0.2, 0.3]])]);
    expect(values(dx)).toEqual([3, 7, 11]);
    dx.dispose();
    dense.dispose();
  });

  it('leaks nothing: a call keeps only its outputs', () => {
    const dense = new Dense({ units: 4, activation: 'gelu' });
    const x = ones([2, 3]);
    dispose(dense.apply(x));
    const before = memory().numTensors;
    const y = dense.apply(x);
    expect(memory().numTensors).toBe(before + 1);
    dispose([x, y]);
    dense.dispose();
  });
});

describe('output shapes of built-in layers', () => {
  it('built-in layers compute their output shape from arguments', () => {
    expect(new Dense({ units: 5 }).computeOutputShape([null, 7, 3])).toEqual([null, 7, 5]);
    expect(new Conv2D({ filters: 4, kernelSize: 3, strides: 2, padding: 'same' }).computeOutputShape([null, 9, 8, 3])).toEqual([null, 5, 4, 4]);
    expect(new LSTM({ units: 3, returnSequences: true, returnState: true }).computeOutputShape([null, 6, 2])).toEqual([
      [null, 6, 3],
      [null, 3],
      [null, 3],
    ]);
  });
});

describe('shape inference leaves state alone', () => {
  it('the default computeOutputShape leaves the weights a stateful call would change, and drops its losses', () => {
    const layer = new RunningSum();
    tidy(() => layer.apply(tensor([[1, 2]])));
    layer.addLoss(tensor(5));
    expect(layer.computeOutputShape([null, 2])).toEqual([null, 2]);
    expect(values(layer.total!)).toEqual([1, 2]);
    const losses = layer.losses;
    expect(losses.map((l) => l.dataSync()[0])).toEqual([5]);
    dispose(losses);
    const fresh = new RunningSum();
    expect(fresh.computeOutputShape([null, 3])).toEqual([null, 3]);
    expect(fresh.built).toBe(true);
    expect(values(fresh.total!)).toEqual([0, 0, 0]);
    layer.dispose();
    fresh.dispose();
  });
});

describe('symbolic call handler', () => {
  it('lets a model package decide calls on non-tensor inputs; tensors still compute', () => {
    const marker = { symbolic: true };
    const seen: string[] = [];
    Layer.setSymbolicCallHandler((layer, inputs) => {
      if (inputs !== marker) return undefined;
      seen.push(layer.name);
      return tensor([42]);
    });
    try {
      const dense = new Dense({ units: 1, name: 'sym_dense' });
      const recorded = dense.apply(marker as never) as Tensor;
      expect(values(recorded)).toEqual([42]);
      expect(seen).toEqual(['sym_dense']);
      expect(dense.built).toBe(false);
      const real = dense.apply(ones([1, 2])) as Tensor;
      expect(real.shape).toEqual([1, 1]);
      dispose([recorded, real]);
      dense.dispose();
    } finally {
      Layer.setSymbolicCallHandler(null);
    }
    expect(() => new Dense({ units: 1, name: 'plain' }).apply(marker as never)).toThrow(/plain: input 0 must be a Tensor, got object/);
  });
});

describe('registry', () => {
  it('rebuilds registered custom layers by class name and rejects unknown ones', () => {
    class Scaled extends Layer {
      static override className = 'Scaled';
      readonly factor: number;
      constructor(args: { factor?: number; name?: string } = {}) {
        super(args);
        this.factor = args.factor ?? 1;
      }
      call(inputs: LayerInputs): Tensor {
        return (inputs as Tensor).mul(this.factor);
      }
      override getConfig() {
        return { ...super.getConfig(), factor: this.factor };
      }
    }
    registerLayer(Scaled);
    const original = new Scaled({ factor: 3, name: 'scaled_x' });
    const copy = deserializeLayer(serializeLayer(original)) as Scaled;
    expect(copy).toBeInstanceOf(Scaled);
    expect(copy.factor).toBe(3);
    expect(copy.name).toBe('scaled_x');
    expect(() => deserializeLayer({ class_name: 'NoSuchLayer', config: {} })).toThrow(/unknown layer class 'NoSuchLayer'/);
  });
});
