import type { Tensor, TensorLike } from '@tessera/core';
import { ArgumentError, squeeze, sum, toTensor, expandDims, mul, maximum } from '@tessera/core';
import * as fns from './functions.js';
import type { LossFunction } from './functions.js';

/** How per-sample losses become the reported value. `'sum_over_batch_size'` divides by the number of samples, weights or not. */
export type Reduction = 'sum_over_batch_size' | 'sum' | 'none' | 'mean' | 'mean_with_sample_weight';
const REDUCTIONS: readonly Reduction[] = ['sum_over_batch_size', 'sum', 'none', 'mean', 'mean_with_sample_weight'];

export interface LossOptions {
  reduction?: Reduction;
  name?: string;
}

/** Brings a sample weight to the per-sample losses' rank (dropping or adding trailing size-1 axes). */
function alignWeight(weight: Tensor, losses: Tensor): Tensor {
  let w = weight.dtype === 'float32' ? weight : weight.cast('float32');
  while (w.rank > losses.rank && w.shape[w.rank - 1] === 1) w = squeeze(w, -1);
  while (w.rank < losses.rank) w = expandDims(w, -1);
  return w;
}

/** Applies a reduction to per-sample losses, with optional sample weights (Keras 3 rules). */
export function reduceLosses(losses: Tensor, sampleWeight: Tensor | undefined, reduction: Reduction): Tensor {
  const weighted = sampleWeight ? mul(losses, alignWeight(sampleWeight, losses)) : losses;
  if (reduction === 'none') return weighted;
  const total = sum(weighted);
  if (reduction === 'sum') return total;
  const divisor =
    reduction === 'mean_with_sample_weight' && sampleWeight
      ? sum(alignWeight(sampleWeight, losses).mul(mul(losses, 0).add(1)))
      : Math.max(losses.size, 0);
  // divide_no_nan: an empty batch or zero total weight gives 0, not NaN.
  if (typeof divisor === 'number') return divisor === 0 ? total.mul(0) : total.div(divisor);
  return total.div(maximum(divisor, 1e-30)).mul(divisor.greater(0).cast('float32'));
}

/**
 * A loss object: a per-sample loss function plus a reduction. `keras.losses.Loss`.
 *
 * @example new CategoricalCrossentropy({ fromLogits: true }).call(labels, logits)
 */
export class Loss {
  readonly reduction: Reduction;
  readonly name: string;
  constructor(
    readonly className: string,
    private readonly fn: LossFunction,
    options: LossOptions = {},
    private readonly extraConfig: Record<string, unknown> = {},
  ) {
    const reduction = options.reduction ?? 'sum_over_batch_size';
    if (!REDUCTIONS.includes(reduction)) {
      throw new ArgumentError(`${className}: unknown reduction ${JSON.stringify(reduction)}; expected one of ${REDUCTIONS.join(', ')}`);
    }
    this.reduction = reduction;
    this.name = options.name ?? snake(className);
  }

  /** The reduced loss of predictions against labels, optionally weighting each sample. */
  call(yTrue: TensorLike, yPred: TensorLike, sampleWeight?: TensorLike): Tensor {
    const p = toTensor(this.name, 'yPred', yPred);
    const t = toTensor(this.name, 'yTrue', yTrue);
    const w = sampleWeight === undefined ? undefined : toTensor(this.name, 'sampleWeight', sampleWeight);
    return reduceLosses(this.fn(t, p), w, this.reduction);
  }

  /**
   * The loss of a model output produced by a softmax or sigmoid activation: a cross-entropy given
   * probabilities then uses the logits form, as Keras does on TensorFlow (see `logitsFromActivation`).
   * Other losses, and cross-entropies already `fromLogits`, are unaffected.
   */
  callOnModelOutput(yTrue: Tensor, yPred: Tensor, sampleWeight: Tensor | undefined, activation: string | undefined): Tensor {
    const onLogits = this.logitsForm && activation === this.logitsForm.activation ? this.logitsForm.fn : undefined;
    if (!onLogits) return this.call(yTrue, yPred, sampleWeight);
    const logits = fns.logitsFromActivation(yPred, this.logitsForm!.activation);
    return reduceLosses(onLogits(yTrue, logits), sampleWeight, this.reduction);
  }

  /**
   * For cross-entropies on probabilities: the activation whose logits are recovered, and the loss on
   * those logits. Only softmax: a float32 sigmoid saturates to exactly 1 near z = 16.6, about where the
   * 1e-7 clip starts, so its logits cannot be rebuilt from the output (Keras reads them from the graph).
   */
  protected logitsForm?: { activation: 'softmax'; fn: LossFunction };

  /** Per-sample losses, unreduced and unweighted. */
  perSample(yTrue: Tensor, yPred: Tensor): Tensor {
    return this.fn(yTrue, yPred);
  }

  getConfig(): Record<string, unknown> {
    return { name: this.name, reduction: this.reduction, ...this.extraConfig };
  }
}

function snake(s: string): string {
  return s.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
}

export interface CrossentropyOptions extends LossOptions {
  fromLogits?: boolean;
  labelSmoothing?: number;
}

export class MeanSquaredError extends Loss {
  constructor(options: LossOptions = {}) {
    super('MeanSquaredError', fns.meanSquaredError, options);
  }
}
export class MeanAbsoluteError extends Loss {
  constructor(options: LossOptions = {}) {
    super('MeanAbsoluteError', fns.meanAbsoluteError, options);
  }
}
export class MeanAbsolutePercentageError extends Loss {
  constructor(options: LossOptions = {}) {
    super('MeanAbsolutePercentageError', fns.meanAbsolutePercentageError, options);
  }
}
export class MeanSquaredLogarithmicError extends Loss {
  constructor(options: LossOptions = {}) {
    super('MeanSquaredLogarithmicError', fns.meanSquaredLogarithmicError, options);
  }
}
export class Huber extends Loss {
  constructor(options: LossOptions & { delta?: number } = {}) {
    const delta = options.delta ?? 1;
    super('Huber', (t, p) => fns.huber(t, p, delta), { name: 'huber_loss', ...options }, { delta });
  }
}
export class LogCosh extends Loss {
  constructor(options: LossOptions = {}) {
    super('LogCosh', fns.logCosh, { name: 'log_cosh', ...options });
  }
}
export class BinaryCrossentropy extends Loss {
  constructor(options: CrossentropyOptions = {}) {
    const { fromLogits = false, labelSmoothing = 0 } = options;
    super('BinaryCrossentropy', (t, p) => fns.binaryCrossentropy(t, p, fromLogits, labelSmoothing), options, {
      from_logits: fromLogits,
      label_smoothing: labelSmoothing,
    });
  }
}
export class CategoricalCrossentropy extends Loss {
  constructor(options: CrossentropyOptions = {}) {
    const { fromLogits = false, labelSmoothing = 0 } = options;
    super('CategoricalCrossentropy', (t, p) => fns.categoricalCrossentropy(t, p, fromLogits, labelSmoothing), options, {
      from_logits: fromLogits,
      label_smoothing: labelSmoothing,
    });
    if (!fromLogits) this.logitsForm = { activation: 'softmax', fn: (t, z) => fns.categoricalCrossentropy(t, z, true, labelSmoothing) };
  }
}
export class SparseCategoricalCrossentropy extends Loss {
  constructor(options: Omit<CrossentropyOptions, 'labelSmoothing'> = {}) {
    const { fromLogits = false } = options;
    super('SparseCategoricalCrossentropy', (t, p) => fns.sparseCategoricalCrossentropy(t, p, fromLogits), options, {
      from_logits: fromLogits,
    });
    if (!fromLogits) this.logitsForm = { activation: 'softmax', fn: (t, z) => fns.sparseCategoricalCrossentropy(t, z, true) };
  }
}
export class KLDivergence extends Loss {
  constructor(options: LossOptions = {}) {
    super('KLDivergence', fns.kullbackLeiblerDivergence, { name: 'kl_divergence', ...options });
  }
}
export class Poisson extends Loss {
  constructor(options: LossOptions = {}) {
    super('Poisson', fns.poisson, options);
  }
}
export class Hinge extends Loss {
  constructor(options: LossOptions = {}) {
    super('Hinge', fns.hinge, options);
  }
}
export class SquaredHinge extends Loss {
  constructor(options: LossOptions = {}) {
    super('SquaredHinge', fns.squaredHinge, options);
  }
}
export class CategoricalHinge extends Loss {
  constructor(options: LossOptions = {}) {
    super('CategoricalHinge', fns.categoricalHinge, options);
  }
}
export class CosineSimilarity extends Loss {
  constructor(options: LossOptions = {}) {
    super('CosineSimilarity', fns.cosineSimilarity, options);
  }
}

const byName: Record<string, () => Loss> = {
  mean_squared_error: () => new MeanSquaredError(),
  mse: () => new MeanSquaredError(),
  mean_absolute_error: () => new MeanAbsoluteError(),
  mae: () => new MeanAbsoluteError(),
  mean_absolute_percentage_error: () => new MeanAbsolutePercentageError(),
  mape: () => new MeanAbsolutePercentageError(),
  mean_squared_logarithmic_error: () => new MeanSquaredLogarithmicError(),
  msle: () => new MeanSquaredLogarithmicError(),
  huber: () => new Huber(),
  log_cosh: () => new LogCosh(),
  logcosh: () => new LogCosh(),
  binary_crossentropy: () => new BinaryCrossentropy(),
  categorical_crossentropy: () => new CategoricalCrossentropy(),
  sparse_categorical_crossentropy: () => new SparseCategoricalCrossentropy(),
  kl_divergence: () => new KLDivergence(),
  kld: () => new KLDivergence(),
  kullback_leibler_divergence: () => new KLDivergence(),
  poisson: () => new Poisson(),
  hinge: () => new Hinge(),
  squared_hinge: () => new SquaredHinge(),
  categorical_hinge: () => new CategoricalHinge(),
  cosine_similarity: () => new CosineSimilarity(),
};

/** The loss for a Keras name (`'mse'`, `'sparse_categorical_crossentropy'`, or camelCase), a Loss, or a function. `keras.losses.get`. */
export function getLoss(identifier: string | Loss | LossFunction): Loss {
  if (identifier instanceof Loss) return identifier;
  if (typeof identifier === 'function') return new Loss(identifier.name || 'CustomLoss', identifier, { name: identifier.name || 'loss' });
  const make = typeof identifier === 'string' ? byName[snake(identifier)] : undefined;
  if (!make) {
    throw new ArgumentError(`loss: unknown loss ${JSON.stringify(identifier)}; expected a Loss, a function or one of ${Object.keys(byName).join(', ')}`);
  }
  return make();
}
