import { beforeAll, describe, expect, it } from 'vitest';
import { setBackend, tensor } from '@tessera/core';
import { registerReferenceBackend } from '@tessera/core/testing';
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

beforeAll(async () => {
  await setBackend(registerReferenceBackend());
});

describe('fit matches Keras 3 step for step (20 steps from the same initial weights)', () => {
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
      expectClose(model.predict(first4, { verbose: 0 }), run.predict_first4, 1e-4, 0);
      // Two batch sizes at most per step function (8 everywhere here): a single trace each.
      expect(model.trainFunction.traceCount).toBe(1);
      expect(model.testFunction.traceCount).toBe(1);
    });
  }
});

interface ConfidentCase {
  activation: 'softmax' | 'sigmoid';
  loss: string;
  x: number[][];
  y: number[] | number[][];
  weights: number[][];
  evaluate_before: number;
  history: number[];
  weights_after: number[][];
}

describe('cross-entropy on softmax/sigmoid model outputs uses the logits form, as Keras does on TensorFlow', () => {
  // The sigmoid case in the fixture is left out: its logits (26.5, 32.5) saturate float32 sigmoid to 1,
  // so they cannot be rebuilt from the output; Tessera keeps Keras's 1e-7 clip there (NOTES-FOR-LEAD.md).
  for (const c of fixture<{ cases: ConfidentCase[] }>('confident.json').cases.filter((k) => k.activation === 'softmax')) {
    it(`${c.activation} + ${c.loss}: losses above the 1e-7 clip (${c.evaluate_before.toFixed(2)}) and gradients that still flow`, async () => {
      const model = new Sequential({ layers: [new Dense({ units: 3, activation: c.activation, inputShape: [2] })] });
      model.setWeights(c.weights.map((w) => tensor(w as never)));
      model.compile({ optimizer: new SGD({ learningRate: 0.01 }), loss: c.loss });
      const x = tensor(c.x);
      const y = c.loss === 'sparse_categorical_crossentropy' ? tensor(c.y as number[], [c.y.length], 'int32') : tensor(c.y as number[][]);
      expect(await model.evaluate(x, y, { verbose: 0 })).toBeCloseTo(c.evaluate_before, 3);
      const history = await model.fit(x, y, { batchSize: 3, epochs: 3, shuffle: false, verbose: 0 });
      expectClose(history.history.loss, c.history, 1e-3, 1e-5);
      model.getWeights().forEach((w, i) => expectClose(w, c.weights_after[i], 1e-5, 1e-5));
    });
  }
});
