import { beforeAll, describe, expect, it } from 'vitest';
import type { Tensor } from '@tessera/core';
import { setBackend, tensor } from '@tessera/core';
import { Conv2D, Dense, Flatten, MaxPooling2D } from '@tessera/layers';
import { Adam, Callback, RMSprop, SGD, Sequential } from '../src/index.js';
import type { Logs, Optimizer } from '../src/index.js';
import { expectClose, fixture } from './helpers.js';

interface RunCase {
  model: 'mlp' | 'cnn';
  optimizer: 'SGD' | 'Adam' | 'RMSprop';
  config: { learning_rate: number };
  history: Record<string, number[]>;
  batch_logs_loss: number[];
  evaluate: Record<string, number>;
  predict_first4: number[][];
}
interface DataCase {
  data_for: 'mlp' | 'cnn';
  x: number[];
  y: number[];
  weights: number[];
}
const cases = fixture<{ cases: (RunCase | DataCase)[] }>('fit.json').cases;
const runs = cases.filter((c): c is RunCase => 'model' in c);
const data = Object.fromEntries(cases.filter((c): c is DataCase => 'data_for' in c).map((c) => [c.data_for, c]));

function build(kind: 'mlp' | 'cnn'): Sequential {
  if (kind === 'mlp') {
    return new Sequential({
      layers: [
        new Dense({ units: 8, activation: 'relu', inputShape: [6] }),
        new Dense({ units: 8, activation: 'tanh' }),
        new Dense({ units: 3, activation: 'softmax' }),
      ],
    });
  }
  return new Sequential({
    layers: [
      new Conv2D({ filters: 4, kernelSize: 3, activation: 'relu', inputShape: [8, 8, 1] }),
      new MaxPooling2D({ poolSize: 2 }),
      new Flatten(),
      new Dense({ units: 3, activation: 'softmax' }),
    ],
  });
}

const optimizers: Record<string, (lr: number) => Optimizer> = {
  SGD: (lr) => new SGD({ learningRate: lr }),
  Adam: (lr) => new Adam({ learningRate: lr }),
  RMSprop: (lr) => new RMSprop({ learningRate: lr }),
};

class BatchLosses extends Callback {
  readonly losses: number[] = [];
  override onTrainBatchEnd(_batch: number, logs: Logs = {}): void {
    this.losses.push(logs.loss);
  }
}

/**
 * Keras 3's fit, evaluate and predict numbers (fixtures/fit.json) reproduced on `backend`, whose
 * `setup` registers it and returns its name: the traced train, test and predict steps run on it.
 */
export function describeFitGolden(backend: string, setup: () => string | Promise<string>): void {
describe(`fit matches Keras 3 step for step on '${backend}' (20 steps from the same initial weights)`, () => {
  beforeAll(async () => {
    await setBackend(await setup());
  });
  for (const run of runs) {
    it(`${run.model} with ${run.optimizer}(lr=${run.config.learning_rate})`, async () => {
      const d = data[run.model];
      const model = build(run.model);
      model.setWeights(d.weights.map((w) => tensor(w as never)));
      model.compile({ optimizer: optimizers[run.optimizer](run.config.learning_rate), loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] });
      const x = tensor(d.x as never);
      const y = tensor(d.y, [d.y.length], 'int32');
      const recorder = new BatchLosses();
      const history = await model.fit(x, y, { batchSize: 8, epochs: 4, shuffle: false, verbose: 0, callbacks: [recorder] });
      expect(recorder.losses).toHaveLength(20);
      expectClose(recorder.losses, run.batch_logs_loss, 1e-4, 0);
      expectClose(history.history.loss, run.history.loss, 1e-4, 0);
      expectClose(history.history.accuracy, run.history.accuracy, 1e-6, 0);
      const evaluated = await model.evaluate(x, y, { batchSize: 8, verbose: 0, returnDict: true });
      expect(evaluated.loss).toBeCloseTo(run.evaluate.loss, 4);
      expect(evaluated.accuracy).toBeCloseTo(run.evaluate.accuracy, 6);
      const first4 = x.slice([0, ...x.shape.slice(1).map(() => 0)], [4, ...x.shape.slice(1)]);
      expectClose(await (model.predict(first4, { verbose: 0 }) as Tensor).array(), run.predict_first4, 1e-4, 0);
      // Two batch sizes at most per step function (8 everywhere here): a single trace each.
      expect(model.trainFunction.traceCount).toBe(1);
      expect(model.testFunction.traceCount).toBe(1);
      model.dispose();
      for (const t of [x, y, first4]) t.dispose();
    });
  }
});
}

