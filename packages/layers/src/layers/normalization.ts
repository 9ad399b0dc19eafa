import {
  ArgumentError,
  Tensor,
  broadcastTo,
  cast,
  div,
  expandDims,
  notEqual,
  square,
  sub,
  sum,
  where,
  batchNormalization,
  layerNormalization,
  moments,
  mul,
  reshape,
  rsqrt,
  add,
  type Variable,
} from '@tessera/core';
import { type ConstraintIdentifier, type Constraint, getConstraint, serializeConstraint } from '../constraints.js';
import { type Initializer, type InitializerIdentifier, getInitializer, serializeInitializer } from '../initializers.js';
import { type CallArgs, Layer, type LayerArgs, type LayerInputs, type LayerShape, formatLayerShape } from '../layer.js';
import { type Regularizer, type RegularizerIdentifier, getRegularizer, serializeRegularizer } from '../regularizers.js';
import { type Config, numberArg } from '../serialization.js';
import { knownDim, singleInput, singleShape } from './core.js';

/** Gamma/beta settings shared by the normalization layers. */
interface AffineArgs extends LayerArgs {
  epsilon?: number;
  center?: boolean;
  scale?: boolean;
  betaInitializer?: InitializerIdentifier;
  gammaInitializer?: InitializerIdentifier;
  betaRegularizer?: RegularizerIdentifier;
  gammaRegularizer?: RegularizerIdentifier;
  betaConstraint?: ConstraintIdentifier;
  gammaConstraint?: ConstraintIdentifier;
}

class AffineSettings {
  readonly epsilon: number;
  readonly center: boolean;
  readonly scale: boolean;
  readonly betaInitializer: Initializer;
  readonly gammaInitializer: Initializer;
  readonly betaRegularizer: Regularizer | null;
  readonly gammaRegularizer: Regularizer | null;
  readonly betaConstraint: Constraint | null;
  readonly gammaConstraint: Constraint | null;
  constructor(className: string, args: AffineArgs) {
    this.epsilon = numberArg(className, 'epsilon', args.epsilon ?? 1e-3, (v) => v > 0, 'a positive number');
    this.center = args.center ?? true;
    this.scale = args.scale ?? true;
    this.betaInitializer = getInitializer(args.betaInitializer ?? 'zeros', `${className}: beta_initializer`);
    this.gammaInitializer = getInitializer(args.gammaInitializer ?? 'ones', `${className}: gamma_initializer`);
    this.betaRegularizer = getRegularizer(args.betaRegularizer, `${className}: beta_regularizer`);
    this.gammaRegularizer = getRegularizer(args.gammaRegularizer, `${className}: gamma_regularizer`);
    this.betaConstraint = getConstraint(args.betaConstraint, `${className}: beta_constraint`);
    this.gammaConstraint = getConstraint(args.gammaConstraint, `${className}: gamma_constraint`);
  }
  /** Keras creates gamma before beta; `center: false`/`scale: false` remove the weight entirely. */
  addWeights(layer: Layer, shape: number[], withBeta = this.center): { gamma: Variable | null; beta: Variable | null } {
    const gamma = this.scale
      ? layer.addWeight({ name: 'gamma', shape, initializer: this.gammaInitializer, regularizer: this.gammaRegularizer, constraint: this.gammaConstraint })
      : null;
    const beta = withBeta
      ? layer.addWeight({ name: 'beta', shape, initializer: this.betaInitializer, regularizer: this.betaRegularizer, constraint: this.betaConstraint })
      : null;
    return { gamma, beta };
  }
  config(): Config {
    return {
      epsilon: this.epsilon,
      center: this.center,
      scale: this.scale,
      beta_initializer: serializeInitializer(this.betaInitializer),
      gamma_initializer: serializeInitializer(this.gammaInitializer),
      beta_regularizer: serializeRegularizer(this.betaRegularizer),
      gamma_regularizer: serializeRegularizer(this.gammaRegularizer),
      beta_constraint: serializeConstraint(this.betaConstraint),
      gamma_constraint: serializeConstraint(this.gammaConstraint),
    };
  }
}

/** Keras's masked batch statistics: only unmasked steps count (epsilon 1e-7 guards an all-masked batch). */
function maskedMoments(x: Tensor, mask: Tensor, axes: number[]): { mean: Tensor; variance: Tensor } {
  const keep = broadcastTo(expandDims(mask.dtype === 'bool' ? mask : notEqual(mask, 0), -1), x.shape);
  const count = add(sum(cast(keep, 'float32'), axes, true), 1e-7);
  const mean = div(sum(where(keep, x, 0), axes, true), count);
  const variance = div(sum(square(where(keep, sub(x, mean), 0)), axes, true), count);
  return { mean, variance };
}

function resolveAxes(layer: Layer, axes: readonly number[], rank: number): number[] {
  return axes.map((a) => {
    const r = a < 0 ? rank + a : a;
    if (!Number.isInteger(a) || r < 0 || r >= rank) throw new ArgumentError(`${layer.name}: axis ${a} is out of range for rank ${rank}`);
    return r;
  });
}

export interface BatchNormalizationArgs extends AffineArgs {
  axis?: number | readonly number[];
  momentum?: number;
  movingMeanInitializer?: InitializerIdentifier;
  movingVarianceInitializer?: InitializerIdentifier;
  synchronized?: boolean;
  renorm?: boolean;
}

/**
 * Normalizes by batch statistics in training (when the layer is trainable) and by moving
 * statistics otherwise; the moving statistics are non-trainable weights updated as
 * `moving·momentum + batch·(1 − momentum)` with the biased variance. Corresponds to
 * `keras.layers.BatchNormalization` (epsilon 1e-3, momentum 0.99).
 */
export class BatchNormalization extends Layer {
  static override className = 'BatchNormalization';
  readonly axis: number | number[];
  readonly momentum: number;
  readonly settings: AffineSettings;
  readonly movingMeanInitializer: Initializer;
  readonly movingVarianceInitializer: Initializer;
  gamma: Variable | null = null;
  beta: Variable | null = null;
  movingMean: Variable | null = null;
  movingVariance: Variable | null = null;
  private axes: number[] = [];

  constructor(args: BatchNormalizationArgs = {}) {
    super(args);
    const axis = args.axis ?? -1;
    this.axis = typeof axis === 'number' ? axis : [...axis];
    this.momentum = numberArg('BatchNormalization', 'momentum', args.momentum ?? 0.99, (v) => v >= 0 && v <= 1, 'a number in [0, 1]');
    this.settings = new AffineSettings('BatchNormalization', args);
    this.movingMeanInitializer = getInitializer(args.movingMeanInitializer ?? 'zeros', 'BatchNormalization: moving_mean_initializer');
    this.movingVarianceInitializer = getInitializer(args.movingVarianceInitializer ?? 'ones', 'BatchNormalization: moving_variance_initializer');
    if (args.synchronized || args.renorm) throw new ArgumentError('BatchNormalization: synchronized and renorm are not supported');
    this.supportsMasking = true;
  }

  override build(inputShape: LayerShape | readonly LayerShape[]): void {
    const shape = singleShape(this, inputShape);
    this.axes = resolveAxes(this, typeof this.axis === 'number' ? [this.axis] : this.axis, shape.length);
    const paramShape = this.axes.map((a) => knownDim(this, shape, a, 'normalized'));
    ({ gamma: this.gamma, beta: this.beta } = this.settings.addWeights(this, paramShape));
    this.movingMean = this.addWeight({ name: 'moving_mean', shape: paramShape, initializer: this.movingMeanInitializer, trainable: false });
    this.movingVariance = this.addWeight({ name: 'moving_variance', shape: paramShape, initializer: this.movingVarianceInitializer, trainable: false });
    this.inputSpec = { ndim: shape.length, axes: Object.fromEntries(this.axes.map((a, i) => [a, paramShape[i]])) };
  }

  call(inputs: LayerInputs, args: CallArgs): Tensor {
    const x = singleInput(this, inputs);
    const broadcast = x.shape.map((d, i) => (this.axes.includes(i) ? d : 1));
    const shaped = (t: Tensor | null) => (t === null ? undefined : reshape(t, broadcast));
    const reductionAxes = x.shape.map((_, i) => i).filter((i) => !this.axes.includes(i));
    // A frozen layer stays in inference mode even when called with training: true (Keras 3).
    if (args.training && this.trainable) {
      const mask = args.mask instanceof Tensor ? args.mask : null;
      const { mean: batchMean, variance } = mask === null ? moments(x, reductionAxes, true) : maskedMoments(x, mask, reductionAxes);
      const flatMean = reshape(batchMean, this.movingMean!.shape);
      const flatVariance = reshape(variance, this.movingVariance!.shape);
      this.movingMean!.assign(add(mul(this.movingMean!, this.momentum), mul(flatMean, 1 - this.momentum)));
      this.movingVariance!.assign(add(mul(this.movingVariance!, this.momentum), mul(flatVariance, 1 - this.momentum)));
      return batchNormalization(x, batchMean, variance, shaped(this.beta), shaped(this.gamma), this.settings.epsilon);
    }
    return batchNormalization(x, shaped(this.movingMean)!, shaped(this.movingVariance)!, shaped(this.beta), shaped(this.gamma), this.settings.epsilon);
  }

  override computeOutputShape(inputShape: LayerShape): LayerShape {
    return inputShape;
  }

  override getConfig(): Config {
    const { epsilon, center, scale, ...rest } = this.settings.config();
    return {
      ...super.getConfig(),
      axis: this.axis,
      momentum: this.momentum,
      epsilon,
      center,
      scale,
      beta_initializer: rest.beta_initializer,
      gamma_initializer: rest.gamma_initializer,
      moving_mean_initializer: serializeInitializer(this.movingMeanInitializer),
      moving_variance_initializer: serializeInitializer(this.movingVarianceInitializer),
      beta_regularizer: rest.beta_regularizer,
      gamma_regularizer: rest.gamma_regularizer,
      beta_constraint: rest.beta_constraint,
      gamma_constraint: rest.gamma_constraint,
      synchronized: false,
      renorm: false,
      renorm_clipping: null,
      renorm_momentum: 0.99,
    };
  }
}

export interface LayerNormalizationArgs extends AffineArgs {
  axis?: number | readonly number[];
  rmsScaling?: boolean;
}

/**
 * Normalizes each sample over `axis` (default the last) to zero mean and unit variance, then
 * scales and shifts. Corresponds to `keras.layers.LayerNormalization` (epsilon 1e-3).
 */
export class LayerNormalization extends Layer {
  static override className = 'LayerNormalization';
  readonly axis: number[];
  readonly rmsScaling: boolean;
  readonly settings: AffineSettings;
  gamma: Variable | null = null;
  beta: Variable | null = null;
  private axes: number[] = [];

  constructor(args: LayerNormalizationArgs = {}) {
    super(args);
    const axis = args.axis ?? -1;
    this.axis = typeof axis === 'number' ? [axis] : [...axis];
    this.rmsScaling = args.rmsScaling ?? false;
    this.settings = new AffineSettings('LayerNormalization', args);
    this.supportsMasking = true;
  }

  override build(inputShape: LayerShape | readonly LayerShape[]): void {
    const shape = singleShape(this, inputShape);
    this.axes = resolveAxes(this, this.axis, shape.length);
    const paramShape = this.axes.map((a) => knownDim(this, shape, a, 'normalized'));
    // Keras creates no beta under rms_scaling, whatever `center` says.
    ({ gamma: this.gamma, beta: this.beta } = this.settings.addWeights(this, paramShape, this.settings.center && !this.rmsScaling));
  }

  call(inputs: LayerInputs): Tensor {
    const x = singleInput(this, inputs);
    if (x.rank <= Math.max(...this.axes)) {
      throw new ArgumentError(`${this.name}: axis ${JSON.stringify(this.axis)} is out of range for input shape ${formatLayerShape(x.shape)}`);
    }
    if (this.rmsScaling) {
      // Keras's (deprecated) rms_scaling divides by the square root of the *variance*, not of the
      // mean square, and never adds beta; reproduced as Keras computes it.
      const broadcast = x.shape.map((d, i) => (this.axes.includes(i) ? d : 1));
      const normalized = mul(x, rsqrt(add(moments(x, this.axes, true).variance, this.settings.epsilon)));
      return this.gamma === null ? normalized : mul(normalized, reshape(this.gamma, broadcast));
    }
    return layerNormalization(x, this.gamma ?? undefined, this.beta ?? undefined, this.axes, this.settings.epsilon);
  }

  override computeOutputShape(inputShape: LayerShape): LayerShape {
    return inputShape;
  }

  override getConfig(): Config {
    const { epsilon, center, scale, ...rest } = this.settings.config();
    return { ...super.getConfig(), axis: [...this.axis], epsilon, center, scale, rms_scaling: this.rmsScaling, ...rest };
  }
}
