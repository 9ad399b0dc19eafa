import { beforeAll, describe, expect, it } from 'vitest';
import { ArgumentError, ShapeError, type Tensor, dispose, memory, ones, setBackend, tidy } from '@tessera/core';
import { registerReferenceBackend } from '@tessera/core/testing';
import {
  Bidirectional,
  Concatenate,
  Cropping2D,
  Dense,
  Dot,
  Embedding,
  GRU,
  LSTM,
  MultiHeadAttention,
  Permute,
  Reshape,
  Subtract,
  UpSampling2D,
  deserializeLayer,
} from '../src/index.js';

beforeAll(async () => {
  await setBackend(registerReferenceBackend());
});

/** Runs `fn` in a tidy scope and checks that the failure leaked nothing. */
function expectFailure(fn: () => unknown, error: new (...args: any[]) => Error, message: RegExp): void {
  const before = memory().numTensors;
  expect(() => tidy(() => fn() as Tensor)).toThrow(error);
  expect(() => tidy(() => fn() as Tensor)).toThrow(message);
  expect(memory().numTensors).toBe(before);
}

describe('errors name the layer, the argument, expected and given', () => {
  it('wrong ranks and shapes', () => {
    const x3 = ones([2, 3, 4]);
    const x2 = ones([2, 4]);
    expectFailure(() => new LSTM({ units: 2, name: 'enc' }).apply(x2), ShapeError, /enc: input must be rank 3, got shape \[2,4\]/);
    expectFailure(() => new Permute({ dims: [2, 1], name: 'perm' }).apply(ones([2, 2, 2, 2])), ShapeError, /perm: input must be rank 3, got shape \[2,2,2,2\]/);
    expectFailure(() => new UpSampling2D({ name: 'up' }).apply(x3), ShapeError, /up: input must be rank 4, got shape \[2,3,4\]/);
    expectFailure(
      () => new Reshape({ targetShape: [5], name: 'rs' }).apply(x3),
      ShapeError,
      /rs: cannot reshape input of shape \[2,3,4\] \(12 values per sample\) to target_shape \[5\]/,
    );
    expectFailure(
      () => new Concatenate({ name: 'cat' }).apply([x3, ones([2, 2, 4])]),
      ShapeError,
      /cat: inputs must match except on the concatenation axis -1, got \[2,3,4\], \[2,2,4\]/,
    );
    expectFailure(() => new Dot({ axes: [1, 2], name: 'dot' }).apply([x3, x3]), ShapeError, /dot: dimension 1 of input 0 \[2,3,4\] and 2 of input 1 \[2,3,4\] must be equal/);
    expectFailure(() => new Cropping2D({ cropping: 2, name: 'crop' }).apply(ones([1, 3, 3, 1])), ShapeError, /crop: cropping .* leaves nothing of the height/);
    expectFailure(
      () => new MultiHeadAttention({ numHeads: 2, keyDim: 2, name: 'mha' }).apply([x2, x2]),
      ShapeError,
      /mha: query, value and key must be rank 3 \[batch, steps, dim\], got \[2,4\], \[2,4\], \[2,4\]/,
    );
    dispose([x3, x2]);
  });

  it('wrong numbers of inputs', () => {
    const a = ones([2, 3]);
    expectFailure(() => new Subtract({ name: 'minus' }).apply([a, a, a]), ArgumentError, /minus: expects exactly 2 inputs, got 3/);
    expectFailure(() => new Subtract({ name: 'minus1' }).apply(a), ArgumentError, /minus1: expects a list of input shapes, got \[2,3\]/);
    expectFailure(() => new Dense({ units: 2, name: 'pair' }).apply([a, a]), ArgumentError, /pair: expects one input/);
    dispose(a);
  });

  it('bad constructor arguments and configs', () => {
    expect(() => new Bidirectional({ layer: new Dense({ units: 2 }) as never })).toThrow(/Bidirectional: layer must be a recurrent layer \(SimpleRNN, LSTM, GRU\), got Dense/);
    expect(() => new Bidirectional({ layer: new GRU({ units: 2 }), mergeMode: 'max' as never })).toThrow(/merge_mode must be 'concat', 'sum', 'mul', 'ave' or null, got "max"/);
    expect(() => new Embedding({ inputDim: 0, outputDim: 2 })).toThrow(/Embedding: input_dim must be a positive integer, got 0/);
    expect(() => new LSTM({ units: 2, stateful: true })).toThrow(/LSTM: stateful recurrent layers are not supported yet/);
    expect(() => deserializeLayer({ class_name: 'Dense', config: { units: 2, dtype: 'float16' } })).toThrow(/Dense: dtype must be 'float32'/);
    expect(() => new Dense({ units: 2, dtype: { class_name: 'DTypePolicy', config: { name: 'mixed_float16' } } })).toThrow(ArgumentError);
  });

  it('reads configs written by newer Keras versions, ignoring keys it does not know', () => {
    const layer = deserializeLayer({
      module: 'keras.layers',
      class_name: 'Dense',
      config: { name: 'future', units: 3, some_new_option: true, quantization_config: null },
      registered_name: null,
      build_config: { input_shape: [null, 2] },
    });
    expect(layer).toBeInstanceOf(Dense);
    expect((layer as Dense).units).toBe(3);
  });
});

describe('recurrent dropout', () => {
  it('changes outputs only in training and is reproducible with a seed', () => {
    const make = () => new LSTM({ units: 3, dropout: 0.5, recurrentDropout: 0.5, seed: 11, kernelInitializer: { class_name: 'GlorotUniform', config: { seed: 1 } }, recurrentInitializer: { class_name: 'Orthogonal', config: { seed: 2 } } });
    const a = make();
    const b = make();
    const plain = new LSTM({ units: 3, kernelInitializer: { class_name: 'GlorotUniform', config: { seed: 1 } }, recurrentInitializer: { class_name: 'Orthogonal', config: { seed: 2 } } });
    const x = ones([4, 5, 6]);
    const values = (t: unknown) => Array.from((t as Tensor).dataSync());
    const inference = values(a.apply(x));
    expect(inference).toEqual(values(plain.apply(x)));
    const trainA = values(a.apply(x, { training: true }));
    const trainB = values(b.apply(x, { training: true }));
    expect(trainA).not.toEqual(inference);
    expect(trainA).toEqual(trainB);
    dispose(x);
    [a, b, plain].forEach((l) => l.dispose());
  });
});
