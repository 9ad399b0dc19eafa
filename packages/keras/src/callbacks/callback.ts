import type { Tensor, TensorLike } from '@tessera/core';
import type { Optimizer } from '../optimizers/optimizer.js';

/** Epoch and batch logs: metric name to value (`loss`, `accuracy`, `val_loss`, ...). */
export type Logs = Record<string, number>;

/** What callbacks may use of the model they watch. */
export interface CallbackModel {
  readonly name: string;
  stopTraining: boolean;
  readonly optimizer?: Optimizer;
  getWeights(): Tensor[];
  setWeights(values: readonly TensorLike[]): void;
}

export interface CallbackParams {
  epochs?: number;
  steps?: number;
  verbose?: number;
}

/**
 * The base of callbacks: override any of Keras's hooks. `keras.callbacks.Callback`.
 *
 * @example
 * class PrintLoss extends Callback { override onEpochEnd(epoch: number, logs: Logs) { console.log(epoch, logs.loss); } }
 */
export class Callback {
  model?: CallbackModel;
  params: CallbackParams = {};
  setModel(model: CallbackModel): void {
    this.model = model;
  }
  setParams(params: CallbackParams): void {
    this.params = params;
  }
  onTrainBegin(_logs: Logs = {}): void {}
  onTrainEnd(_logs: Logs = {}): void {}
  onEpochBegin(_epoch: number, _logs: Logs = {}): void {}
  onEpochEnd(_epoch: number, _logs: Logs = {}): void {}
  onTrainBatchBegin(_batch: number, _logs: Logs = {}): void {}
  onTrainBatchEnd(_batch: number, _logs: Logs = {}): void {}
  onTestBegin(_logs: Logs = {}): void {}
  onTestEnd(_logs: Logs = {}): void {}
  onTestBatchBegin(_batch: number, _logs: Logs = {}): void {}
  onTestBatchEnd(_batch: number, _logs: Logs = {}): void {}
  onPredictBegin(_logs: Logs = {}): void {}
  onPredictEnd(_logs: Logs = {}): void {}
  onPredictBatchBegin(_batch: number, _logs: Logs = {}): void {}
  onPredictBatchEnd(_batch: number, _logs: Logs = {}): void {}
}

type Hook = Exclude<keyof Callback, 'model' | 'params' | 'setModel' | 'setParams'>;

/** Calls each hook on every callback in order. `keras.callbacks.CallbackList`. */
export class CallbackList {
  constructor(readonly callbacks: Callback[]) {}
  setModel(model: CallbackModel): void {
    for (const c of this.callbacks) c.setModel(model);
  }
  setParams(params: CallbackParams): void {
    for (const c of this.callbacks) c.setParams(params);
  }
  call(hook: Hook, ...args: unknown[]): void {
    for (const c of this.callbacks) (c[hook] as (...a: unknown[]) => void).apply(c, args);
  }
}
