import { beforeAll, describe, expect, it } from 'vitest';
import { setBackend, tensor } from '@tessera/core';
import { registerReferenceBackend } from '@tessera/core/testing';
import { Dense } from '@tessera/layers';
import { SGD, Sequential } from '../src/index.js';
import { describeFitGolden } from './fit-golden-suite.js';
import { expectClose, fixture } from './helpers.js';

describeFitGolden('reference', registerReferenceBackend);

beforeAll(async () => {
  await setBackend(registerReferenceBackend());
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
