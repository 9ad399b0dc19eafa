import { Callback } from './callback.js';
import type { Logs } from './callback.js';

/**
 * Records each epoch's logs; `fit` returns it. `history.history.loss[i]` is epoch i's mean training
 * loss. `keras.callbacks.History`.
 */
export class History extends Callback {
  epoch: number[] = [];
  history: Record<string, number[]> = {};
  override onTrainBegin(): void {
    this.epoch = [];
  }
  override onEpochEnd(epoch: number, logs: Logs = {}): void {
    this.epoch.push(epoch);
    for (const [k, v] of Object.entries(logs)) (this.history[k] ??= []).push(v);
  }
}
