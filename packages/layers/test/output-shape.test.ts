import { beforeAll, describe, expect, it } from 'vitest';
import { type Tensor, type Variable, concat, dispose, engine, memory, ones, setBackend, sum, tensor, tidy } from '@tessera/core';
import { registerReferenceBackend } from '@tessera/core/testing';
import { type CallArgs, Dense, Layer, type LayerInputs, type LayerShape, LSTM } from '../src/index.js';

// The default computeOutputShape: build for real, then evaluate `call` abstractly (evalShape from
// @tessera/tracer), so a custom layer needs only `call` and nothing runs or stays behind.

/** Kernels the active backend runs and values written to or read from it, counted from here on. */
const counts = { kernels: 0, writes: 0, reads: 0 };

beforeAll(async () => {
  await setBackend(registerReferenceBackend());
  const backend = engine.backend;
  const kernels = backend.kernels as unknown as Record<string, unknown>;
  for (const [name, kernel] of Object.entries(kernels)) {
    if (typeof kernel !== 'function') continue;
    kernels[name] = (...args: unknown[]) => {
      counts.kernels++;
      return (kernel as (...a: unknown[]) => unknown)(...args);
    };
  }
  const { write, readSync } = backend;
  Object.assign(backend, {
    write: (...args: Parameters<typeof write>) => (counts.writes++, write.apply(backend, args)),
    readSync: (...args: Parameters<typeof readSync>) => (counts.reads++, readSync.apply(backend, args)),
  });
});

/** What `fn` did: kernels run, values moved, tensors and bytes it left alive. */
function effects<T>(fn: () => T): { result: T; kernels: number; writes: number; reads: number; tensors: number; bytes: number } {
  const before = { ...counts, ...memory() };
  const result = fn();
  const after = memory();
  return {
    result,
    kernels: counts.kernels - before.kernels,
    writes: counts.writes - before.writes,
    reads: counts.reads - before.reads,
    tensors: after.numTensors - before.numTensors,
    bytes: after.numBytes - before.numBytes,
  };
}

const values = (t: Tensor): number[] => Array.from(t.dataSync() as Float32Array);

/** Only `call`: no build, no computeOutputShape. */
class FlattenDouble extends Layer {
  static override className = 'FlattenDouble';
  call(inputs: LayerInputs): Tensor {
    const x = inputs as Tensor;
    return x.reshape([x.shape[0], -1]).mul(2);
  }
}

/** Two inputs, two outputs; the second output's length follows the (unknown) time dimension. */
class SplitJoin extends Layer {
  static override className = 'SplitJoin';
  call(inputs: LayerInputs): Tensor[] {
    const [a, b] = inputs as Tensor[];
    return [concat([a, b], 2), a.sum(2)];
  }
}

/** A stateful layer whose weights come from build; call counts and adds a loss. */
class Counter extends Layer {
  static override className = 'Counter';
  total: Variable | null = null;
  seen: Variable | null = null;
  override build(shape: LayerShape | readonly LayerShape[]): void {
    this.total = this.addWeight({ name: 'total', shape: [(shape as LayerShape)[1]!], initializer: 'ones', trainable: false });
    this.seen = this.addWeight({ name: 'seen', shape: [], initializer: 'zeros', trainable: false });
  }
  call(inputs: LayerInputs): Tensor {
    const x = inputs as Tensor;
    this.total!.assignAdd(sum(x, 0));
    this.seen!.assignAdd(1);
    this.addLoss(x.square().mean());
    return x.mul(this.total!);
  }
}

/** Holds a Dense that builds on its first call, inside this layer's call. */
class Projector extends Layer {
  static override className = 'Projector';
  readonly dense = new Dense({ units: 3, activation: 'relu' });
  call(inputs: LayerInputs, args: CallArgs): Tensor {
    return (this.dense.apply(inputs as Tensor, args) as Tensor).add(1);
  }
}

describe('the default computeOutputShape (abstract evaluation)', () => {
  it('gives a custom layer with only call its output shape, null batch and all, running no kernel', () => {
    const layer = new FlattenDouble();
    const done = effects(() => layer.computeOutputShape([null, 3, 4]));
    expect(done).toEqual({ result: [null, 12], kernels: 0, writes: 0, reads: 0, tensors: 0, bytes: 0 });
    expect(layer.computeOutputShape([5, 2, 2])).toEqual([5, 4]);
    // The real call agrees.
    const y = tidy(() => layer.apply(ones([2, 3, 4])) as Tensor);
    expect(y.shape).toEqual([2, 12]);
    y.dispose();
  });

  it('keeps unknown dimensions beyond the batch unknown, for lists of inputs and outputs', () => {
    const done = effects(() => new SplitJoin().computeOutputShape([[null, null, 2], [null, null, 3]]));
    expect(done.result).toEqual([
      [null, null, 5],
      [null, null],
    ]);
    expect(done).toMatchObject({ kernels: 0, tensors: 0, bytes: 0 });
  });

  it('builds for real first (the weights stay), then changes no weight and keeps no loss of the abstract call', () => {
    const layer = new Counter();
    const built = effects(() => layer.computeOutputShape([null, 2]));
    expect(built.result).toEqual([null, 2]);
    expect(layer.built).toBe(true);
    expect(built.tensors).toBe(2); // total and seen, made by build
    expect(values(layer.total!)).toEqual([1, 1]);
    dispose(layer.apply(tensor([[1, 2]])));
    const lossesBefore = layer.losses;
    expect(lossesBefore.map((l) => l.dataSync()[0])).toEqual([2.5]);
    dispose(lossesBefore);
    const again = effects(() => layer.computeOutputShape([null, 2]));
    expect(again).toEqual({ result: [null, 2], kernels: 0, writes: 0, reads: 0, tensors: 0, bytes: 0 });
    expect(values(layer.total!)).toEqual([2, 3]);
    expect(values(layer.seen!)).toEqual([1]);
    const losses = layer.losses;
    expect(losses.map((l) => l.dataSync()[0])).toEqual([2.5]);
    dispose(losses);
    layer.dispose();
  });

  it('leaves a nested layer it built abstractly unbuilt, so its first real call builds real weights', () => {
    const layer = new Projector();
    const done = effects(() => layer.computeOutputShape([null, 5]));
    expect(done).toEqual({ result: [null, 3], kernels: 0, writes: 0, reads: 0, tensors: 0, bytes: 0 });
    expect(layer.dense.built).toBe(false);
    expect(layer.weights).toEqual([]);
    const y = layer.apply(ones([2, 5])) as Tensor;
    expect(y.shape).toEqual([2, 3]);
    expect(layer.dense.built).toBe(true);
    expect(layer.weights.map((w) => [w.name, w.shape, w.isDisposed])).toEqual([
      [`${layer.dense.name}/kernel`, [5, 3], false],
      [`${layer.dense.name}/bias`, [3], false],
    ]);
    expect(values(y).every((v) => v >= 1)).toBe(true);
    // Once the nested layer is built, shape inference keeps its weights.
    expect(layer.computeOutputShape([null, 5])).toEqual([null, 3]);
    expect(layer.weights.every((w) => !w.isDisposed)).toBe(true);
    y.dispose();
    layer.dispose();
  });

  it('does not disturb built-in layers, which compute their shapes from arguments', () => {
    expect(new LSTM({ units: 4, returnState: true }).computeOutputShape([null, null, 3])).toEqual([
      [null, 4],
      [null, 4],
      [null, 4],
    ]);
    expect(new Dense({ units: 2 }).computeOutputShape([null, null, 6])).toEqual([null, null, 2]);
  });
});
