// The traced half of the fixture suite: every Keras fixture through trace() (fixture-suites.ts),
// weights built inside a first trace, and a stateful layer's assignAdd as an ordered effect of the graph.
import { beforeAll, describe, expect, it } from 'vitest';
import { type Tensor, type Variable, dispose, ones, tensor } from '@tessera/core';
import { trace } from '@tessera/tracer';
import {
  BatchNormalization,
  Conv2D,
  Dense,
  GRU,
  LSTM,
  Layer,
  type LayerInputs,
  type LayerShape,
} from '../src/index.js';
import { describeTracedFixtures } from './fixture-suites.js';
import { TEST_BACKEND, useBackend } from './helpers.js';

beforeAll(() => useBackend(TEST_BACKEND));

describeTracedFixtures(TEST_BACKEND);

describe(`layers under trace on the ${TEST_BACKEND} backend`, () => {
  it('a running sum counts every traced call (assignAdd as an ordered effect)', async () => {
    class RunningSum extends Layer {
      static override className = 'TracedRunningSum';
      total: Variable | null = null;
      override build(shape: LayerShape | readonly LayerShape[]) {
        this.total = this.addWeight({ name: 'total', shape: [(shape as LayerShape)[1]!], initializer: 'zeros', trainable: false });
      }
      call(inputs: LayerInputs): Tensor {
        this.total!.assignAdd((inputs as Tensor).sum(0));
        return inputs as Tensor;
      }
    }
    const layer = new RunningSum();
    const f = trace((x: Tensor) => layer.apply(x) as Tensor);
    for (let i = 0; i < 4; i++) dispose(f(tensor([[1, 2]])));
    expect(Array.from(await layer.total!.data())).toEqual([4, 8]);
    expect(f.traceCount).toBe(1);
  });

  it.each([
    ['Dense', () => new Dense({ units: 3 }), [2, 4]],
    ['LSTM', () => new LSTM({ units: 3 }), [2, 5, 4]],
    ['GRU', () => new GRU({ units: 3 }), [2, 5, 4]],
    ['BatchNormalization', () => new BatchNormalization(), [2, 4]],
    ['Conv2D', () => new Conv2D({ filters: 2, kernelSize: 3 }), [1, 5, 5, 2]],
  ] as const)('%s builds its weights inside the first trace and then equals eager', async (_name, make, shape) => {
    const layer = make();
    const f = trace((x: Tensor) => layer.apply(x) as Tensor);
    const x = ones([...shape]);
    const traced = Array.from(await f(x).data());
    const eager = Array.from(await (layer.apply(x) as Tensor).data());
    expect(traced).toEqual(eager.map((v) => expect.closeTo(v, 5)));
  });

  it('an open batch dimension traces at most twice over four batch sizes', () => {
    const layer = new Dense({ units: 2 });
    layer.build([null, 3]);
    const f = trace((x: Tensor) => layer.apply(x) as Tensor);
    for (const b of [1, 2, 3, 4]) dispose(f(ones([b, 3])));
    expect(f.traceCount).toBeLessThanOrEqual(2);
  });
});
