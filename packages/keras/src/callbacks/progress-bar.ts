import { Callback } from './callback.js';
import type { Logs } from './callback.js';

const isNode = typeof process !== 'undefined' && typeof process.stdout?.write === 'function';

function formatValue(v: number): string {
  const a = Math.abs(v);
  return a !== 0 && (a < 1e-3 || a >= 1e4) ? v.toExponential(4) : v.toFixed(4);
}

function formatSeconds(s: number): string {
  if (s >= 3600) return `${Math.floor(s / 3600)}:${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}:${String(Math.floor(s % 60)).padStart(2, '0')}`;
  if (s >= 60) return `${Math.floor(s / 60)}:${String(Math.floor(s % 60)).padStart(2, '0')}`;
  if (s >= 1) return `${Math.round(s)}s`;
  return `${Math.round(s * 1000)}ms`;
}

export interface ProgressBarOptions {
  /** Where lines go; default `process.stdout` in Node, `console.log` (one line per epoch) elsewhere. */
  write?: (text: string) => void;
  /** Whether to redraw one line with carriage returns (terminals) or print one line per epoch. */
  interactive?: boolean;
  width?: number;
}

/**
 * Keras's progress bar: `Epoch 1/5`, then `12/60 ━━━━━━━━━━━━━━━━━━━━ 3s 52ms/step - accuracy: 0.8 - loss: 0.4`
 * redrawn in place in a terminal; in browsers (or when not interactive) one compact line per
 * epoch. `keras.callbacks.ProgbarLogger`.
 */
export class ProgressBar extends Callback {
  private readonly write: (text: string) => void;
  private readonly interactive: boolean;
  private readonly width: number;
  private epochStart = 0;
  private epochs = 1;
  private seen = 0;
  /** Validation inside fit shows only in the epoch line (val_ metrics), as in Keras. */
  private inFit = false;
  constructor(options: ProgressBarOptions = {}) {
    super();
    this.write = options.write ?? (isNode ? (t) => process.stdout.write(t) : (t) => console.log(t.replace(/\n$/, '')));
    this.interactive = options.interactive ?? (isNode && options.write === undefined && Boolean(process.stdout.isTTY));
    this.width = options.width ?? 20;
  }
  private line(done: number, total: number | undefined, logs: Logs, final: boolean): string {
    const elapsed = (Date.now() - this.epochStart) / 1000;
    const perStep = done > 0 ? elapsed / done : 0;
    const metrics = Object.keys(logs)
      .sort()
      .map((k) => ` - ${k}: ${formatValue(logs[k])}`)
      .join('');
    if (total === undefined) return `${done}/Unknown ${formatSeconds(elapsed)} ${formatSeconds(perStep)}/step${metrics}`;
    const filled = Math.round((done / total) * this.width);
    const bar = '━'.repeat(filled) + (filled < this.width ? '\u2500'.repeat(this.width - filled) : '');
    const time = final ? `${formatSeconds(elapsed)} ${formatSeconds(perStep)}/step` : `${formatSeconds(perStep * (total - done))} ${formatSeconds(perStep)}/step`;
    return `${String(done).padStart(String(total).length)}/${total} ${bar} ${time}${metrics}`;
  }
  override onTrainBegin(): void {
    this.epochs = this.params.epochs ?? 1;
    this.inFit = true;
  }
  override onTrainEnd(): void {
    this.inFit = false;
  }
  override onEpochBegin(epoch: number): void {
    this.epochStart = Date.now();
    this.seen = 0;
    this.write(`Epoch ${epoch + 1}/${this.epochs}\n`);
  }
  override onTrainBatchEnd(batch: number, logs: Logs = {}): void {
    this.seen = batch + 1;
    if (this.interactive) this.write(`\r${this.line(this.seen, this.params.steps, logs, false)}`);
  }
  override onEpochEnd(_epoch: number, logs: Logs = {}): void {
    const text = this.line(this.seen, this.params.steps ?? this.seen, logs, true);
    this.write(this.interactive ? `\r${text}\n` : `${text}\n`);
  }
  override onTestBegin(): void {
    if (this.inFit) return;
    this.epochStart = Date.now();
    this.seen = 0;
  }
  override onTestBatchEnd(batch: number, logs: Logs = {}): void {
    if (this.inFit) return;
    this.seen = batch + 1;
    if (this.interactive) this.write(`\r${this.line(this.seen, this.params.steps, logs, false)}`);
  }
  override onTestEnd(logs: Logs = {}): void {
    if (this.inFit) return;
    const text = this.line(this.seen, this.params.steps ?? this.seen, logs, true);
    this.write(this.interactive ? `\r${text}\n` : `${text}\n`);
  }
  override onPredictBegin(): void {
    this.epochStart = Date.now();
    this.seen = 0;
  }
  override onPredictBatchEnd(batch: number): void {
    this.seen = batch + 1;
    if (this.interactive) this.write(`\r${this.line(this.seen, this.params.steps, {}, false)}`);
  }
  override onPredictEnd(): void {
    const text = this.line(this.seen, this.params.steps ?? this.seen, {}, true);
    this.write(this.interactive ? `\r${text}\n` : `${text}\n`);
  }
}
