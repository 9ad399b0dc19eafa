import type { Tensor } from '@tessera/core';
import { ArgumentError, cos, floor, minimum, pow, scalar, where } from '@tessera/core';

/**
 * A learning rate that depends on the optimizer's step count. `keras.optimizers.schedules.*`.
 * `call(step)` takes the step (the number of updates applied so far, float32) as a tensor so the
 * schedule traces into the training step and never causes a retrace.
 */
export abstract class LearningRateSchedule {
  abstract readonly className: string;
  abstract call(step: Tensor): Tensor;
  abstract getConfig(): Record<string, unknown>;
  /** The rate at a given step, as a number (for logs and callbacks). */
  valueAt(step: number): number {
    const s = scalar(step);
    const lr = this.call(s);
    const value = lr.item() as number;
    s.dispose();
    lr.dispose();
    return value;
  }
}

export interface ExponentialDecayOptions {
  initialLearningRate: number;
  decaySteps: number;
  decayRate: number;
  staircase?: boolean;
}

/** `initialLearningRate * decayRate ^ (step / decaySteps)`, the exponent floored when `staircase`. */
export class ExponentialDecay extends LearningRateSchedule {
  readonly className = 'ExponentialDecay';
  constructor(readonly options: ExponentialDecayOptions) {
    super();
    if (!(options.decaySteps > 0)) {
      throw new ArgumentError(`ExponentialDecay: decaySteps must be > 0, got ${options.decaySteps}`);
    }
  }
  call(step: Tensor): Tensor {
    const { initialLearningRate, decaySteps, decayRate, staircase = false } = this.options;
    let p = step.div(decaySteps);
    if (staircase) p = floor(p);
    return pow(scalar(decayRate), p).mul(initialLearningRate);
  }
  getConfig() {
    const { initialLearningRate, decaySteps, decayRate, staircase = false } = this.options;
    return { initial_learning_rate: initialLearningRate, decay_steps: decaySteps, decay_rate: decayRate, staircase, name: 'ExponentialDecay' };
  }
}

/** `values[i]` while `boundaries[i-1] < step <= boundaries[i]`; `values` has one more entry than `boundaries`. */
export class PiecewiseConstantDecay extends LearningRateSchedule {
  readonly className = 'PiecewiseConstantDecay';
  constructor(readonly boundaries: readonly number[], readonly values: readonly number[]) {
    super();
    if (values.length !== boundaries.length + 1) {
      throw new ArgumentError(
        `PiecewiseConstantDecay: values must have one more entry than boundaries: expected ${boundaries.length + 1}, got ${values.length}`,
      );
    }
  }
  call(step: Tensor): Tensor {
    let out = scalar(this.values[this.values.length - 1]);
    for (let i = this.boundaries.length - 1; i >= 0; i--) {
      out = where(step.lessEqual(this.boundaries[i]), scalar(this.values[i]), out);
    }
    return out;
  }
  getConfig() {
    return { boundaries: [...this.boundaries], values: [...this.values], name: 'PiecewiseConstant' };
  }
}

export interface CosineDecayOptions {
  initialLearningRate: number;
  decaySteps: number;
  alpha?: number;
  warmupTarget?: number;
  warmupSteps?: number;
}

/**
 * Cosine decay from the initial rate (or from `warmupTarget` after a linear warmup of `warmupSteps`)
 * down to `alpha` times that rate over `decaySteps`.
 */
export class CosineDecay extends LearningRateSchedule {
  readonly className = 'CosineDecay';
  constructor(readonly options: CosineDecayOptions) {
    super();
    if (!(options.decaySteps > 0)) throw new ArgumentError(`CosineDecay: decaySteps must be > 0, got ${options.decaySteps}`);
  }
  private decay(step: Tensor, from: number): Tensor {
    const alpha = this.options.alpha ?? 0;
    const cosine = cos(step.div(this.options.decaySteps).mul(Math.PI)).add(1).mul(0.5);
    return cosine.mul(1 - alpha).add(alpha).mul(from);
  }
  call(step: Tensor): Tensor {
    const { initialLearningRate, decaySteps, warmupTarget, warmupSteps = 0 } = this.options;
    if (warmupTarget === undefined) return this.decay(minimum(step, decaySteps), initialLearningRate);
    const s = minimum(step, decaySteps + warmupSteps);
    const warm = s.div(Math.max(warmupSteps, 1)).mul(warmupTarget - initialLearningRate).add(initialLearningRate);
    const decayed = this.decay(s.sub(warmupSteps), warmupTarget);
    return where(s.less(warmupSteps), warm, decayed);
  }
  getConfig() {
    const { initialLearningRate, decaySteps, alpha = 0, warmupTarget = null, warmupSteps = 0 } = this.options;
    return { initial_learning_rate: initialLearningRate, decay_steps: decaySteps, alpha, name: 'CosineDecay', warmup_target: warmupTarget, warmup_steps: warmupSteps };
  }
}
