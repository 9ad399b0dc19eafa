import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Tensor } from '@tessera/core';
import { setBackend, tensor } from '@tessera/core';
import { registerReferenceBackend } from '@tessera/core/testing';
import { Dense } from '@tessera/layers';
import {
  CSVLogger,
  Callback,
  EarlyStopping,
  LearningRateScheduler,
  ModelCheckpoint,
  ProgressBar,
  ReduceLROnPlateau,
  SGD,
  Sequential,
} from '../src/index.js';
import type { Logs } from '../src/index.js';
import { expectClose } from './helpers.js';

let x: Tensor;
let y: Tensor;
beforeAll(async () => {
  await setBackend(registerReferenceBackend());
  x = tensor([[1, 0], [0, 1], [1, 1], [2, 1], [0, 2], [1, 3]]);
  y = tensor([[1], [2], [3], [5], [4], [7]]);
});

function model(lr = 0.05): Sequential {
  const m = new Sequential({ layers: [new Dense({ units: 1, inputShape: [2], kernelInitializer: 'zeros' } as never)] });
  m.compile({ optimizer: new SGD({ learningRate: lr }), loss: 'mse', metrics: ['mae'] });
  return m;
}

/** Replaces `key` in the epoch logs with scripted values, so monitors see a known sequence. */
class Script extends Callback {
  constructor(
    private readonly key: string,
    private readonly values: number[],
  ) {
    super();
  }
  override onEpochEnd(epoch: number, logs: Logs = {}): void {
    logs[this.key] = this.values[epoch];
  }
}

describe('callbacks', () => {
  it("custom callbacks get Keras's hooks in Keras's order, with running-mean batch logs and val_ epoch logs", async () => {
    const events: string[] = [];
    const batchLosses: number[] = [];
    class Recorder extends Callback {
      override onTrainBegin() { events.push('trainBegin'); }
      override onTrainEnd() { events.push('trainEnd'); }
      override onEpochBegin(e: number) { events.push(`epochBegin ${e}`); }
      override onEpochEnd(e: number, logs: Logs = {}) { events.push(`epochEnd ${e} ${Object.keys(logs).sort().join(',')}`); }
      override onTrainBatchBegin(b: number) { events.push(`batchBegin ${b}`); }
      override onTrainBatchEnd(b: number, logs: Logs = {}) { events.push(`batchEnd ${b}`); batchLosses.push(logs.loss); }
      override onTestBegin() { events.push('testBegin'); }
      override onTestBatchEnd(b: number) { events.push(`testBatchEnd ${b}`); }
      override onTestEnd() { events.push('testEnd'); }
      override onPredictBegin() { events.push('predictBegin'); }
      override onPredictBatchEnd(b: number) { events.push(`predictBatchEnd ${b}`); }
      override onPredictEnd() { events.push('predictEnd'); }
    }
    const m = model();
    const recorder = new Recorder();
    const history = await m.fit(x, y, { epochs: 2, batchSize: 2, validationData: [x, y], shuffle: false, verbose: 0, callbacks: [recorder] });
    expect(recorder.model).toBe(m);
    expect(recorder.params).toEqual({ epochs: 2, steps: 3, verbose: 0 });
    expect(events.slice(0, 12)).toEqual([
      'trainBegin', 'epochBegin 0',
      'batchBegin 0', 'batchEnd 0', 'batchBegin 1', 'batchEnd 1', 'batchBegin 2', 'batchEnd 2',
      'testBegin', 'testBatchEnd 0', 'testBatchEnd 1', 'testBatchEnd 2',
    ]);
    expect(events[12]).toBe('testEnd');
    expect(events[13]).toBe('epochEnd 0 loss,mae,val_loss,val_mae');
    expect(events[events.length - 1]).toBe('trainEnd');
    // The epoch's loss is the last running mean of the batch losses.
    expect(history.history.loss[0]).toBe(batchLosses[2]);
    expect(history.epoch).toEqual([0, 1]);
    m.predict(x, { batchSize: 4, verbose: 0, callbacks: [recorder] });
    expect(events.slice(-4)).toEqual(['predictBegin', 'predictBatchEnd 0', 'predictBatchEnd 1', 'predictEnd']);
  });

  it('EarlyStopping stops after `patience` epochs without improvement and restores the best weights', async () => {
    const m = model();
    const weightsAt: Tensor[][] = [];
    class Snapshot extends Callback {
      override onEpochEnd() { weightsAt.push(m.getWeights()); }
    }
    const stopper = new EarlyStopping({ monitor: 'val_score', patience: 2, restoreBestWeights: true });
    const history = await m.fit(x, y, {
      epochs: 10, batchSize: 3, shuffle: false, verbose: 0,
      callbacks: [new Script('val_score', [1.0, 0.5, 0.7, 0.8, 0.9, 0.1]), new Snapshot(), stopper],
    });
    expect(history.epoch).toEqual([0, 1, 2, 3]);
    expect(stopper.stoppedEpoch).toBe(3);
    expect(stopper.bestEpoch).toBe(1);
    expectClose(m.getWeights()[0], weightsAt[1][0].arraySync());
    expect(m.getWeights()[0].arraySync()).not.toEqual(weightsAt[3][0].arraySync());
  });

  it('EarlyStopping picks max mode for accuracy-like monitors and honours minDelta', async () => {
    const stopper = new EarlyStopping({ monitor: 'val_accuracy', patience: 1, minDelta: 0.05 });
    const history = await model().fit(x, y, { epochs: 6, verbose: 0, callbacks: [new Script('val_accuracy', [0.5, 0.6, 0.62, 0.63, 0.9, 0.9]), stopper] });
    expect(history.epoch).toEqual([0, 1, 2]);
  });

  it('ModelCheckpoint keeps the best weights in memory and writes files in Node', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-ckpt-'));
    const m = model();
    const saved: Tensor[][] = [];
    class Snapshot extends Callback {
      override onEpochEnd() { saved.push(m.getWeights()); }
    }
    const checkpoint = new ModelCheckpoint({ filepath: join(dir, 'weights-{epoch:02d}-{val_score:.2f}.json'), monitor: 'val_score', saveBestOnly: true });
    await m.fit(x, y, { epochs: 4, verbose: 0, callbacks: [new Script('val_score', [3, 1, 2, 0.5]), new Snapshot(), checkpoint] });
    expect(checkpoint.writtenFiles.map((p) => p.slice(dir.length + 1))).toEqual(['weights-01-3.00.json', 'weights-02-1.00.json', 'weights-04-0.50.json']);
    expect(checkpoint.savedEpoch).toBe(3);
    expectClose(checkpoint.savedWeights![0], saved[3][0].arraySync());
    const file = JSON.parse(readFileSync(checkpoint.writtenFiles[1], 'utf8'));
    expect(file.format).toBe('tessera-weights');
    expect(file.weights[0].shape).toEqual([2, 1]);
    expectClose(file.weights[0].values, (saved[1][0].arraySync() as number[][]).flat());
  });

  it('LearningRateScheduler sets the rate each epoch (traced steps see it) and logs it', async () => {
    const m = model(0.1);
    const history = await m.fit(x, y, { epochs: 3, verbose: 0, callbacks: [new LearningRateScheduler((epoch, lr) => (epoch === 0 ? lr : lr / 2))] });
    expectClose(history.history.learning_rate, [0.1, 0.05, 0.025], 1e-7);
    expect(m.optimizer!.learningRate).toBeCloseTo(0.025, 7);
    expect(m.trainFunction.traceCount).toBe(1);
  });

  it('ReduceLROnPlateau multiplies the rate by factor after patience epochs, with cooldown and minLr', async () => {
    const m = model(0.1);
    const reducer = new ReduceLROnPlateau({ monitor: 'val_score', factor: 0.5, patience: 1, minLr: 0.02 });
    const history = await m.fit(x, y, { epochs: 5, verbose: 0, callbacks: [new Script('val_score', [1, 1, 1, 1, 1]), reducer] });
    // Logged before the reduction of that epoch, as Keras does.
    expectClose(history.history.learning_rate, [0.1, 0.1, 0.05, 0.025, 0.02], 1e-7);
    expect(m.optimizer!.learningRate).toBeCloseTo(0.02, 7);
  });

  it('CSVLogger writes a header and one row per epoch', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'tessera-csv-')), 'log.csv');
    const history = await model().fit(x, y, { epochs: 2, verbose: 0, callbacks: [new CSVLogger(file)] });
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    expect(lines[0]).toBe('epoch,loss,mae');
    expect(lines.slice(1).map((l) => l.split(',').map(Number))).toEqual([
      [0, history.history.loss[0], history.history.mae[0]],
      [1, history.history.loss[1], history.history.mae[1]],
    ]);
  });

  it('ProgressBar prints Keras-style epoch lines (compact) and redraws one line in a terminal', async () => {
    const compact: string[] = [];
    await model().fit(x, y, { epochs: 2, batchSize: 2, verbose: 0, callbacks: [new ProgressBar({ write: (t) => compact.push(t), interactive: false })] });
    expect(compact[0]).toBe('Epoch 1/2\n');
    expect(compact[1]).toMatch(/^3\/3 ━{20} \d+m?s \d+m?s\/step - loss: \d+\.\d{4} - mae: \d+\.\d{4}\n$/);
    expect(compact).toHaveLength(4);
    const tty: string[] = [];
    await model().fit(x, y, { epochs: 1, batchSize: 2, verbose: 0, callbacks: [new ProgressBar({ write: (t) => tty.push(t), interactive: true })] });
    expect(tty[1]).toMatch(/^\r1\/3 ━{7}─{13} /);
    expect(tty[tty.length - 1]).toMatch(/^\r3\/3 ━{20} .*\n$/);
  });
});
