import { add, cast, clipByValue, elu, greater, leakyRelu, logSumExp, exp, mul, neg, relu, softmax, sub, where, type Tensor } from '@tessera/core';
import { type ConstraintIdentifier, type Constraint, getConstraint, serializeConstraint } from '../constraints.js';
import { type Initializer, type InitializerIdentifier, getInitializer, serializeInitializer } from '../initializers.js';
import { type CallArgs, Layer, type LayerArgs, type LayerInputs, type LayerShape } from '../layer.js';
import { type Regularizer, type RegularizerIdentifier, getRegularizer, serializeRegularizer } from '../regularizers.js';
import { type Config, numberArg } from '../serialization.js';
import { knownDim, singleInput, singleShape } from './core.js';
import type { Variable } from '@tessera/core';

/** A layer whose output has its input's shape. */
abstract class ElementwiseLayer extends Layer {
  override computeOutputShape(inputShape: LayerShape): LayerShape {
    return inputShape;
  }
}

export interface ReLUArgs extends LayerArgs {
  maxValue?: number | null;
  negativeSlope?: number;
  threshold?: number;
}

/**
 * `min(x, maxValue)` where `x > threshold`, else `negativeSlope·(x − threshold)`; all three
 * arguments non-negative, as Keras requires. Corresponds to `keras.layers.ReLU`.
 */
export class ReLU extends ElementwiseLayer {
  static override className = 'ReLU';
  readonly maxValue: number | null;
  readonly negativeSlope: number;
  readonly threshold: number;
  constructor(args: ReLUArgs = {}) {
    super(args);
    this.maxValue = args.maxValue === undefined || args.maxValue === null ? null : numberArg('ReLU', 'max_value', args.maxValue, (v) => v >= 0, 'a non-negative number or null');
    this.negativeSlope = numberArg('ReLU', 'negative_slope', args.negativeSlope ?? 0, (v) => v >= 0, 'a non-negative number');
    this.threshold = numberArg('ReLU', 'threshold', args.threshold ?? 0, (v) => v >= 0, 'a non-negative number');
    this.supportsMasking = true;
  }
  call(inputs: LayerInputs): Tensor {
    const x = singleInput(this, inputs);
    const { maxValue, negativeSlope, threshold } = this;
    if (negativeSlope !== 0 && maxValue === null && threshold === 0) return leakyRelu(x, negativeSlope);
    // Keras's order of operations, kept exactly: the part above the threshold, clipped to
    // [0, maxValue], minus the negative branch.
    let y = threshold !== 0 ? where(greater(x, threshold), x, 0) : relu(x);
    if (maxValue !== null) y = clipByValue(y, 0, maxValue);
    if (negativeSlope !== 0) y = sub(y, mul(relu(sub(threshold, x)), negativeSlope));
    return y;
  }
  override getConfig(): Config {
    return { ...super.getConfig(), max_value: this.maxValue, negative_slope: this.negativeSlope, threshold: this.threshold };
  }
}

export interface LeakyReLUArgs extends LayerArgs {
  negativeSlope?: number;
  /** Keras 2's name for `negativeSlope`. */
  alpha?: number;
}

/** `x` if positive, else `negativeSlope·x` (default 0.3). Corresponds to `keras.layers.LeakyReLU`. */
export class LeakyReLU extends ElementwiseLayer {
  static override className = 'LeakyReLU';
  readonly negativeSlope: number;
  constructor(args: LeakyReLUArgs = {}) {
    super(args);
    this.negativeSlope = numberArg('LeakyReLU', 'negative_slope', args.negativeSlope ?? args.alpha ?? 0.3, (v) => v >= 0, 'a non-negative number');
    this.supportsMasking = true;
  }
  call(inputs: LayerInputs): Tensor {
    return leakyRelu(singleInput(this, inputs), this.negativeSlope);
  }
  override getConfig(): Config {
    return { ...super.getConfig(), negative_slope: this.negativeSlope };
  }
}

export interface ELUArgs extends LayerArgs {
  alpha?: number;
}

/** `x` if positive, else `alpha·(eˣ − 1)`. Corresponds to `keras.layers.ELU`. */
export class ELU extends ElementwiseLayer {
  static override className = 'ELU';
  readonly alpha: number;
  constructor(args: ELUArgs = {}) {
    super(args);
    this.alpha = numberArg('ELU', 'alpha', args.alpha ?? 1);
    this.supportsMasking = true;
  }
  call(inputs: LayerInputs): Tensor {
    return elu(singleInput(this, inputs), this.alpha);
  }
  override getConfig(): Config {
    // Keras writes alpha before the base fields; key order does not matter to readers.
    return { ...super.getConfig(), alpha: this.alpha };
  }
}

export interface PReLUArgs extends LayerArgs {
  alphaInitializer?: InitializerIdentifier;
  alphaRegularizer?: RegularizerIdentifier;
  alphaConstraint?: ConstraintIdentifier;
  sharedAxes?: number | readonly number[] | null;
}

/**
 * Leaky ReLU with a learned slope per element (shared along `sharedAxes`, 1-based over the
 * non-batch axes). Corresponds to `keras.layers.PReLU`.
 */
export class PReLU extends ElementwiseLayer {
  static override className = 'PReLU';
  readonly alphaInitializer: Initializer;
  readonly alphaRegularizer: Regularizer | null;
  readonly alphaConstraint: Constraint | null;
  readonly sharedAxes: number[] | null;
  alpha: Variable | null = null;
  constructor(args: PReLUArgs = {}) {
    super(args);
    this.alphaInitializer = getInitializer(args.alphaInitializer ?? 'zeros', 'PReLU: alpha_initializer');
    this.alphaRegularizer = getRegularizer(args.alphaRegularizer, 'PReLU: alpha_regularizer');
    this.alphaConstraint = getConstraint(args.alphaConstraint, 'PReLU: alpha_constraint');
    const shared = args.sharedAxes;
    this.sharedAxes = shared === undefined || shared === null ? null : typeof shared === 'number' ? [shared] : [...shared];
    this.supportsMasking = true;
  }
  override build(inputShape: LayerShape | readonly LayerShape[]): void {
    const shape = singleShape(this, inputShape);
    const paramShape = shape.slice(1).map((_, i) => (this.sharedAxes?.includes(i + 1) ? 1 : knownDim(this, shape, i + 1, 'non-shared')));
    this.alpha = this.addWeight({
      name: 'alpha',
      shape: paramShape,
      initializer: this.alphaInitializer,
      regularizer: this.alphaRegularizer,
      constraint: this.alphaConstraint,
    });
  }
  call(inputs: LayerInputs): Tensor {
    const x = singleInput(this, inputs);
    return sub(relu(x), mul(this.alpha!, relu(neg(x))));
  }
  override getConfig(): Config {
    return {
      ...super.getConfig(),
      alpha_initializer: serializeInitializer(this.alphaInitializer),
      alpha_regularizer: serializeRegularizer(this.alphaRegularizer),
      alpha_constraint: serializeConstraint(this.alphaConstraint),
      shared_axes: this.sharedAxes,
    };
  }
}

export interface SoftmaxArgs extends LayerArgs {
  axis?: number | readonly number[];
}

/**
 * Softmax over `axis`. Masked positions (mask false) get probability 0. Corresponds to
 * `keras.layers.Softmax`.
 */
export class Softmax extends ElementwiseLayer {
  static override className = 'Softmax';
  readonly axis: number | number[];
  constructor(args: SoftmaxArgs = {}) {
    super(args);
    const axis = args.axis ?? -1;
    this.axis = typeof axis === 'number' ? axis : [...axis];
    this.supportsMasking = true;
  }
  call(inputs: LayerInputs, args: CallArgs): Tensor {
    let x = singleInput(this, inputs);
    const mask = args.mask instanceof Object && !Array.isArray(args.mask) ? (args.mask as Tensor) : null;
    const keep = mask === null ? null : mask.dtype === 'bool' ? mask : greater(mask, 0.5);
    // Keras pushes masked logits to -1e9 rather than -inf, then zeroes them after the softmax.
    if (keep !== null) x = where(keep, x, -1e9);
    const axes = typeof this.axis === 'number' ? [this.axis] : this.axis;
    const out = axes.length === 1 ? softmax(x, axes[0]) : exp(sub(x, logSumExp(x, axes, true)));
    return keep === null ? out : where(keep, out, 0);
  }
  override getConfig(): Config {
    return { ...super.getConfig(), axis: this.axis };
  }
}

export interface RescalingArgs extends LayerArgs {
  scale: number;
  offset?: number;
}

/** `x·scale + offset`. Corresponds to `keras.layers.Rescaling`. */
export class Rescaling extends ElementwiseLayer {
  static override className = 'Rescaling';
  readonly scale: number;
  readonly offset: number;
  constructor(args: RescalingArgs) {
    super(args);
    this.scale = numberArg('Rescaling', 'scale', args?.scale);
    this.offset = numberArg('Rescaling', 'offset', args.offset ?? 0);
    this.supportsMasking = true;
  }
  call(inputs: LayerInputs): Tensor {
    const x = singleInput(this, inputs);
    return add(mul(x.dtype === 'float32' ? x : cast(x, 'float32'), this.scale), this.offset);
  }
  override getConfig(): Config {
    return { ...super.getConfig(), scale: this.scale, offset: this.offset };
  }
}
