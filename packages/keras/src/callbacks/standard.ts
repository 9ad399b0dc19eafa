import { ArgumentError } from '@tessera/core';
import type { Tensor } from '@tessera/core';
import { Callback } from './callback.js';
import type { Logs } from './callback.js';

type Mode = 'auto' | 'min' | 'max';

function improves(mode: Mode, monitor: string, current: number, best: number, minDelta: number): boolean {
  const resolved = mode === 'auto' ? (/acc|auc|precision|recall/.test(monitor) && !/loss/.test(monitor) ? 'max' : 'min') : mode;
  return resolved === 'min' ? current < best - minDelta : current > best + minDelta;
}

function initialBest(mode: Mode, monitor: string): number {
  return improves(mode, monitor, 0, 1, 0) ? Infinity : -Infinity;
}

function monitored(owner: string, monitor: string, logs: Logs): number | undefined {
  const v = logs[monitor];
  if (v === undefined) {
    console.warn(`${owner}: the monitored metric '${monitor}' is not in the logs (available: ${Object.keys(logs).join(', ') || 'none'}); skipping`);
  }
  return v;
}

export interface EarlyStoppingOptions {
  monitor?: string;
  minDelta?: number;
  patience?: number;
  mode?: Mode;
  baseline?: number;
  restoreBestWeights?: boolean;
  startFromEpoch?: number;
  verbose?: number;
}

/** Stops training when the monitored value stops improving for `patience` epochs. `keras.callbacks.EarlyStopping`. */
export class EarlyStopping extends Callback {
  readonly monitor: string;
  stoppedEpoch = 0;
  bestEpoch = 0;
  private wait = 0;
  private best = 0;
  private bestWeights: Tensor[] | null = null;
  constructor(private readonly options: EarlyStoppingOptions = {}) {
    super();
    this.monitor = options.monitor ?? 'val_loss';
  }
  override onTrainBegin(): void {
    this.wait = 0;
    this.stoppedEpoch = 0;
    this.best = this.options.baseline ?? initialBest(this.options.mode ?? 'auto', this.monitor);
    this.releaseBest();
  }
  private releaseBest(): void {
    this.bestWeights?.forEach((w) => w.dispose());
    this.bestWeights = null;
  }
  override onEpochEnd(epoch: number, logs: Logs = {}): void {
    const current = monitored('EarlyStopping', this.monitor, logs);
    if (current === undefined || epoch < (this.options.startFromEpoch ?? 0)) return;
    if (this.options.restoreBestWeights && this.bestWeights === null) this.bestWeights = this.model!.getWeights();
    this.wait++;
    if (improves(this.options.mode ?? 'auto', this.monitor, current, this.best, Math.abs(this.options.minDelta ?? 0))) {
      this.best = current;
      this.bestEpoch = epoch;
      if (this.options.restoreBestWeights) {
        this.releaseBest();
        this.bestWeights = this.model!.getWeights();
      }
      if (this.options.baseline === undefined || improves(this.options.mode ?? 'auto', this.monitor, current, this.options.baseline, 0)) {
        this.wait = 0;
      }
      return;
    }
    if (this.wait >= (this.options.patience ?? 0) && epoch > 0) {
      this.stoppedEpoch = epoch;
      this.model!.stopTraining = true;
    }
  }
  override onTrainEnd(): void {
    if (this.stoppedEpoch > 0 && this.options.verbose) console.log(`Epoch ${this.stoppedEpoch + 1}: early stopping`);
    if (this.options.restoreBestWeights && this.bestWeights) this.model!.setWeights(this.bestWeights);
    this.releaseBest();
  }
}

export interface ModelCheckpointOptions {
  /** A file path (Node; `{epoch}` and `{val_loss:.2f}`-style fields are filled in), or omitted to keep weights in memory. */
  filepath?: string;
  monitor?: string;
  saveBestOnly?: boolean;
  mode?: Mode;
  verbose?: number;
}

/**
 * Saves the weights after each epoch (or only when the monitored value improves): in memory
 * (`bestWeights`) and, in Node, as JSON to `filepath`. `keras.callbacks.ModelCheckpoint` (weights only).
 */
export class ModelCheckpoint extends Callback {
  readonly monitor: string;
  /** The last saved weights (a copy the callback owns). */
  savedWeights: Tensor[] | null = null;
  savedEpoch = -1;
  /** Paths written, in order. */
  readonly writtenFiles: string[] = [];
  private best = 0;
  constructor(private readonly options: ModelCheckpointOptions = {}) {
    super();
    this.monitor = options.monitor ?? 'val_loss';
    this.best = initialBest(options.mode ?? 'auto', this.monitor);
  }
  override onEpochEnd(epoch: number, logs: Logs = {}): void {
    if (this.options.saveBestOnly) {
      const current = monitored('ModelCheckpoint', this.monitor, logs);
      if (current === undefined || !improves(this.options.mode ?? 'auto', this.monitor, current, this.best, 0)) return;
      this.best = current;
    }
    this.savedWeights?.forEach((w) => w.dispose());
    this.savedWeights = this.model!.getWeights();
    this.savedEpoch = epoch;
    if (this.options.filepath !== undefined) this.writeFile(this.formatPath(this.options.filepath, epoch, logs));
  }
  private formatPath(template: string, epoch: number, logs: Logs): string {
    return template.replace(/\{(\w+)(?::([^}]*))?\}/g, (_, key: string, format: string | undefined) => {
      const value = key === 'epoch' ? epoch + 1 : logs[key];
      if (value === undefined) throw new ArgumentError(`ModelCheckpoint: filepath field '{${key}}' is not 'epoch' or a logged metric (${Object.keys(logs).join(', ')})`);
      const digits = format?.match(/\.(\d+)f/);
      if (digits) return value.toFixed(Number(digits[1]));
      const pad = format?.match(/^0?(\d+)d$/);
      return pad ? String(value).padStart(Number(pad[1]), '0') : String(value);
    });
  }
  private writeFile(path: string): void {
    if (typeof process === 'undefined' || !process.versions?.node) {
      throw new ArgumentError('ModelCheckpoint: writing a file needs Node; omit filepath to keep the weights in memory');
    }
    const weights = this.savedWeights!.map((w) => ({ shape: w.shape, dtype: w.dtype, values: Array.from(w.dataSync() as ArrayLike<number>) }));
    nodeWriteFile(path, JSON.stringify({ format: 'tessera-weights', version: 1, weights }));
    this.writtenFiles.push(path);
  }
}

let nodeFs: { writeFileSync(path: string, data: string): void; appendFileSync(path: string, data: string): void } | undefined;
/** Node's fs, loaded only when a file is actually written (the package stays browser-safe). */
function fs(): NonNullable<typeof nodeFs> {
  if (!nodeFs) {
    const req = (globalThis as { process?: { getBuiltinModule?: (m: string) => unknown } }).process?.getBuiltinModule?.('node:fs');
    if (!req) throw new ArgumentError('file callbacks: node:fs is not available (Node 20.16+ is needed)');
    nodeFs = req as NonNullable<typeof nodeFs>;
  }
  return nodeFs;
}
export function nodeWriteFile(path: string, data: string): void {
  fs().writeFileSync(path, data);
}
export function nodeAppendFile(path: string, data: string): void {
  fs().appendFileSync(path, data);
}

/** Sets the learning rate at the start of each epoch from `schedule(epoch, currentRate)`. `keras.callbacks.LearningRateScheduler`. */
export class LearningRateScheduler extends Callback {
  constructor(
    private readonly schedule: (epoch: number, learningRate: number) => number,
    private readonly verbose = 0,
  ) {
    super();
  }
  override onEpochBegin(epoch: number): void {
    const optimizer = this.model?.optimizer;
    if (!optimizer) throw new ArgumentError('LearningRateScheduler: the model has no optimizer; compile it first');
    const next = this.schedule(epoch, optimizer.learningRate);
    if (typeof next !== 'number' || !Number.isFinite(next)) {
      throw new ArgumentError(`LearningRateScheduler: the schedule must return a finite number, got ${String(next)} at epoch ${epoch}`);
    }
    optimizer.learningRate = next;
    if (this.verbose) console.log(`Epoch ${epoch + 1}: LearningRateScheduler setting learning rate to ${next}.`);
  }
  override onEpochEnd(_epoch: number, logs: Logs = {}): void {
    logs.learning_rate = this.model!.optimizer!.learningRate;
  }
}

export interface ReduceLROnPlateauOptions {
  monitor?: string;
  factor?: number;
  patience?: number;
  mode?: Mode;
  minDelta?: number;
  cooldown?: number;
  minLr?: number;
  verbose?: number;
}

/** Multiplies the learning rate by `factor` after `patience` epochs without improvement. `keras.callbacks.ReduceLROnPlateau`. */
export class ReduceLROnPlateau extends Callback {
  readonly monitor: string;
  private wait = 0;
  private cooldownCounter = 0;
  private best = 0;
  constructor(private readonly options: ReduceLROnPlateauOptions = {}) {
    super();
    this.monitor = options.monitor ?? 'val_loss';
    if ((options.factor ?? 0.1) >= 1) throw new ArgumentError(`ReduceLROnPlateau: factor must be < 1, got ${options.factor}`);
  }
  override onTrainBegin(): void {
    this.wait = 0;
    this.cooldownCounter = 0;
    this.best = initialBest(this.options.mode ?? 'auto', this.monitor);
  }
  override onEpochEnd(epoch: number, logs: Logs = {}): void {
    const optimizer = this.model!.optimizer!;
    logs.learning_rate = optimizer.learningRate;
    const current = monitored('ReduceLROnPlateau', this.monitor, logs);
    if (current === undefined) return;
    if (this.cooldownCounter > 0) {
      this.cooldownCounter--;
      this.wait = 0;
    }
    if (improves(this.options.mode ?? 'auto', this.monitor, current, this.best, this.options.minDelta ?? 1e-4)) {
      this.best = current;
      this.wait = 0;
    } else if (this.cooldownCounter <= 0) {
      this.wait++;
      if (this.wait >= (this.options.patience ?? 10)) {
        const old = optimizer.learningRate;
        const minLr = this.options.minLr ?? 0;
        if (old > minLr) {
          const next = Math.max(old * (this.options.factor ?? 0.1), minLr);
          optimizer.learningRate = next;
          if (this.options.verbose) console.log(`Epoch ${epoch + 1}: ReduceLROnPlateau reducing learning rate to ${next}.`);
          this.cooldownCounter = this.options.cooldown ?? 0;
          this.wait = 0;
        }
      }
    }
  }
}

/** Writes one CSV row per epoch (`epoch,` then the logs' keys sorted) to a file in Node. `keras.callbacks.CSVLogger`. */
export class CSVLogger extends Callback {
  private keys: string[] | null = null;
  constructor(
    readonly filename: string,
    private readonly separator = ',',
    private readonly append = false,
  ) {
    super();
  }
  override onTrainBegin(): void {
    this.keys = null;
    if (!this.append) nodeWriteFile(this.filename, '');
  }
  override onEpochEnd(epoch: number, logs: Logs = {}): void {
    if (this.keys === null) {
      this.keys = Object.keys(logs).sort();
      nodeAppendFile(this.filename, ['epoch', ...this.keys].join(this.separator) + '\n');
    }
    const row = [String(epoch), ...this.keys.map((k) => (logs[k] === undefined ? 'NA' : String(logs[k])))];
    nodeAppendFile(this.filename, row.join(this.separator) + '\n');
  }
}

/** Stops training as soon as a batch loss is NaN or infinite. `keras.callbacks.TerminateOnNaN`. */
export class TerminateOnNaN extends Callback {
  terminatedAtBatch: number | null = null;
  override onTrainBatchEnd(batch: number, logs: Logs = {}): void {
    const loss = logs.loss;
    if (loss !== undefined && !Number.isFinite(loss)) {
      console.log(`Batch ${batch}: Invalid loss, terminating training`);
      this.terminatedAtBatch = batch;
      this.model!.stopTraining = true;
    }
  }
}
