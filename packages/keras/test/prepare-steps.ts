import type { Tensor } from '@tessera/core';
import { tensor } from '@tessera/core';
import { Dense } from '@tessera/layers';
import { Sequential } from '../src/index.js';

/**
 * Fits a small model for two epochs (10 samples in batches of 4: sizes 4, 4, 2) with validation data
 * (sizes 4, 4, 2) and returns which warmups of its train and test steps ran, as `kind:batch size`.
 */
export async function fitRecordingWarmups(): Promise<{ warmups: string[]; losses: number[] }> {
  const model = new Sequential({ layers: [new Dense({ units: 4, activation: 'relu', inputShape: [3] }), new Dense({ units: 2 })] });
  model.compile({ optimizer: 'sgd', loss: 'mse' });
  const warmups: string[] = [];
  for (const kind of ['train', 'test'] as const) {
    const step = (kind === 'train' ? model.trainFunction : model.testFunction) as { warmup?: (...args: unknown[]) => Promise<unknown> };
    const original = step.warmup?.bind(step);
    if (original === undefined) continue;
    step.warmup = async (...args: unknown[]) => {
      warmups.push(`${kind}:${((args[0] as unknown[])[0] as Tensor).shape[0]}`);
      return original(...args);
    };
  }
  const x = tensor(Array.from({ length: 30 }, (_, i) => Math.sin(i)), [10, 3]);
  const y = tensor(Array.from({ length: 20 }, (_, i) => Math.cos(i)), [10, 2]);
  const history = await model.fit(x, y, { batchSize: 4, epochs: 2, shuffle: false, verbose: 0, validationData: [x, y] });
  model.dispose();
  x.dispose();
  y.dispose();
  return { warmups, losses: history.history.loss };
}
