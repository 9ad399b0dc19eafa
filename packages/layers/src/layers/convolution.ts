import {
  ArgumentError,
  add,
  conv2d,
  conv2dBackpropInput,
  depthwiseConv2d,
  expandDims,
  pad,
  squeeze,
  type Tensor,
  type Variable,
} from '@tessera/core';
import { type ConstraintIdentifier, type Constraint, getConstraint, serializeConstraint } from '../constraints.js';
import { type Initializer, type InitializerIdentifier, getInitializer, serializeInitializer } from '../initializers.js';
import { Layer, type LayerInputs, type LayerShape } from '../layer.js';
import { type Regularizer, type RegularizerIdentifier, getRegularizer, serializeRegularizer } from '../regularizers.js';
import { type Config, channelsLast, oneOf, positiveInt, toTuple } from '../serialization.js';
import { type KernelArgs, KernelSettings, knownDim, singleInput, singleShape } from './core.js';

type ConvPadding = 'valid' | 'same' | 'causal';

export interface ConvArgs extends KernelArgs {
  filters: number;
  kernelSize: number | readonly number[];
  strides?: number | readonly number[];
  padding?: ConvPadding;
  dataFormat?: string;
  dilationRate?: number | readonly number[];
  groups?: number;
}

/** Output length along one axis, Keras's `conv_output_length`. */
export function convOutputLength(size: number | null, kernel: number, padding: ConvPadding, stride: number, dilation: number): number | null {
  if (size === null) return null;
  const span = (kernel - 1) * dilation + 1;
  const length = padding === 'valid' ? size - span + 1 : size;
  return Math.floor((length + stride - 1) / stride);
}

/**
 * The shared part of Conv1D and Conv2D: a kernel `[...kernelSize, inChannels / groups, filters]`,
 * a bias, an activation. Keras's `BaseConv`.
 */
abstract class BaseConv extends Layer {
  readonly rank: 1 | 2;
  readonly filters: number;
  readonly kernelSize: number[];
  readonly strides: number[];
  readonly padding: ConvPadding;
  readonly dataFormat: 'channels_last';
  readonly dilationRate: number[];
  readonly groups: number;
  readonly settings: KernelSettings;
  kernel: Variable | null = null;
  bias: Variable | null = null;

  constructor(rank: 1 | 2, args: ConvArgs, className: string) {
    super(args);
    this.rank = rank;
    this.filters = positiveInt(className, 'filters', args?.filters);
    this.kernelSize = toTuple(className, 'kernel_size', args.kernelSize, rank);
    this.strides = toTuple(className, 'strides', args.strides ?? 1, rank);
    this.padding = oneOf(className, 'padding', args.padding ?? 'valid', rank === 1 ? ['valid', 'same', 'causal'] : ['valid', 'same']);
    this.dataFormat = channelsLast(className, args.dataFormat);
    this.dilationRate = toTuple(className, 'dilation_rate', args.dilationRate ?? 1, rank);
    this.groups = positiveInt(className, 'groups', args.groups ?? 1);
    if (this.filters % this.groups !== 0) {
      throw new ArgumentError(`${className}: filters (${this.filters}) must be divisible by groups (${this.groups})`);
    }
    if (this.strides.some((s) => s > 1) && this.dilationRate.some((d) => d > 1)) {
      throw new ArgumentError(`${className}: strides > 1 cannot be combined with dilation_rate > 1, got strides ${JSON.stringify(this.strides)} and dilation_rate ${JSON.stringify(this.dilationRate)}`);
    }
    this.settings = new KernelSettings(className, args);
    this.inputSpec = { minNdim: rank + 2 };
  }

  override build(inputShape: LayerShape | readonly LayerShape[]): void {
    const shape = singleShape(this, inputShape);
    const channels = knownDim(this, shape, -1, 'channel');
    if (channels % this.groups !== 0) {
      throw new ArgumentError(`${this.name}: input channels (${channels}) must be divisible by groups (${this.groups})`);
    }
    this.kernel = this.settings.addKernel(this, [...this.kernelSize, channels / this.groups, this.filters]);
    this.bias = this.settings.addBias(this, this.filters);
    this.inputSpec = { ndim: this.rank + 2, axes: { [-1]: channels } };
  }

  /** Runs the convolution as an NHWC conv2d (Conv1D adds a height axis of 1). */
  call(inputs: LayerInputs): Tensor {
    let x = singleInput(this, inputs);
    let kernel: Tensor = this.kernel!;
    const strides = this.rank === 1 ? [1, this.strides[0]] : this.strides;
    const dilations = this.rank === 1 ? [1, this.dilationRate[0]] : this.dilationRate;
    let padding: 'valid' | 'same' = this.padding === 'same' ? 'same' : 'valid';
    if (this.padding === 'causal') {
      // Causal: pad only the start of the sequence so no output sees the future.
      x = pad(x, [[0, 0], [(this.kernelSize[0] - 1) * this.dilationRate[0], 0], [0, 0]]);
      padding = 'valid';
    }
    if (this.rank === 1) {
      x = expandDims(x, 1);
      kernel = expandDims(kernel, 0);
    }
    let y = conv2d(x, kernel, { strides: strides as [number, number], padding, dilations: dilations as [number, number], groups: this.groups });
    if (this.rank === 1) y = squeeze(y, 1);
    if (this.bias !== null) y = add(y, this.bias);
    return this.settings.activation(y);
  }

  override computeOutputShape(inputShape: LayerShape): LayerShape {
    const spatial = this.kernelSize.map((k, i) =>
      convOutputLength(inputShape[i + 1], k, this.padding === 'causal' ? 'same' : this.padding, this.strides[i], this.dilationRate[i]),
    );
    return [inputShape[0], ...spatial, this.filters];
  }

  override getConfig(): Config {
    const kernel = this.settings.config();
    return {
      ...super.getConfig(),
      filters: this.filters,
      kernel_size: [...this.kernelSize],
      strides: [...this.strides],
      padding: this.padding,
      data_format: this.dataFormat,
      dilation_rate: [...this.dilationRate],
      groups: this.groups,
      ...kernel,
      activity_regularizer: serializeRegularizer(this.activityRegularizer),
    };
  }
}

/** 1-D convolution over `[batch, steps, channels]`; padding `valid`, `same` or `causal`. Corresponds to `keras.layers.Conv1D`. */
export class Conv1D extends BaseConv {
  static override className = 'Conv1D';
  constructor(args: ConvArgs) {
    super(1, args, 'Conv1D');
  }
}

/** 2-D convolution over NHWC images. Corresponds to `keras.layers.Conv2D`. */
export class Conv2D extends BaseConv {
  static override className = 'Conv2D';
  constructor(args: ConvArgs) {
    super(2, args, 'Conv2D');
  }
}

export interface Conv2DTransposeArgs extends KernelArgs {
  filters: number;
  kernelSize: number | readonly number[];
  strides?: number | readonly number[];
  padding?: 'valid' | 'same';
  outputPadding?: null;
  dataFormat?: string;
  dilationRate?: number | readonly number[];
}

/**
 * Transposed convolution (the gradient of a convolution with respect to its input), kernel
 * `[kh, kw, filters, inChannels]`. Corresponds to `keras.layers.Conv2DTranspose`.
 */
export class Conv2DTranspose extends Layer {
  static override className = 'Conv2DTranspose';
  readonly filters: number;
  readonly kernelSize: number[];
  readonly strides: number[];
  readonly padding: 'valid' | 'same';
  readonly dataFormat: 'channels_last';
  readonly dilationRate: number[];
  readonly settings: KernelSettings;
  kernel: Variable | null = null;
  bias: Variable | null = null;

  constructor(args: Conv2DTransposeArgs) {
    super(args);
    this.filters = positiveInt('Conv2DTranspose', 'filters', args?.filters);
    this.kernelSize = toTuple('Conv2DTranspose', 'kernel_size', args.kernelSize, 2);
    this.strides = toTuple('Conv2DTranspose', 'strides', args.strides ?? 1, 2);
    this.padding = oneOf('Conv2DTranspose', 'padding', args.padding ?? 'valid', ['valid', 'same']);
    this.dataFormat = channelsLast('Conv2DTranspose', args.dataFormat);
    this.dilationRate = toTuple('Conv2DTranspose', 'dilation_rate', args.dilationRate ?? 1, 2);
    if (args.outputPadding !== undefined && args.outputPadding !== null) {
      throw new ArgumentError(`Conv2DTranspose: output_padding is not supported yet, got ${JSON.stringify(args.outputPadding)}`);
    }
    this.settings = new KernelSettings('Conv2DTranspose', args);
    this.inputSpec = { ndim: 4 };
  }

  override build(inputShape: LayerShape | readonly LayerShape[]): void {
    const shape = singleShape(this, inputShape);
    const channels = knownDim(this, shape, -1, 'channel');
    this.kernel = this.settings.addKernel(this, [...this.kernelSize, this.filters, channels]);
    this.bias = this.settings.addBias(this, this.filters);
    this.inputSpec = { ndim: 4, axes: { [-1]: channels } };
  }

  /** Keras's `deconv_output_length` without output padding. */
  private outputLength(size: number | null, axis: number): number | null {
    if (size === null) return null;
    const span = (this.kernelSize[axis] - 1) * this.dilationRate[axis] + 1;
    return this.padding === 'same' ? size * this.strides[axis] : (size - 1) * this.strides[axis] + span;
  }

  override computeOutputShape(s: LayerShape): LayerShape {
    return [s[0], this.outputLength(s[1], 0), this.outputLength(s[2], 1), this.filters];
  }

  call(inputs: LayerInputs): Tensor {
    const x = singleInput(this, inputs);
    const outShape = this.computeOutputShape(x.shape) as number[];
    let y = conv2dBackpropInput(x, this.kernel!, outShape, {
      strides: this.strides as [number, number],
      padding: this.padding,
      dilations: this.dilationRate as [number, number],
    });
    if (this.bias !== null) y = add(y, this.bias);
    return this.settings.activation(y);
  }

  override getConfig(): Config {
    return {
      ...super.getConfig(),
      filters: this.filters,
      kernel_size: [...this.kernelSize],
      strides: [...this.strides],
      padding: this.padding,
      output_padding: null,
      data_format: this.dataFormat,
      dilation_rate: [...this.dilationRate],
      ...this.settings.config(),
      activity_regularizer: serializeRegularizer(this.activityRegularizer),
    };
  }
}

export interface DepthwiseConv2DArgs extends Omit<KernelArgs, 'kernelInitializer' | 'kernelRegularizer' | 'kernelConstraint'> {
  kernelSize: number | readonly number[];
  strides?: number | readonly number[];
  padding?: 'valid' | 'same';
  depthMultiplier?: number;
  dataFormat?: string;
  dilationRate?: number | readonly number[];
  depthwiseInitializer?: InitializerIdentifier;
  depthwiseRegularizer?: RegularizerIdentifier;
  depthwiseConstraint?: ConstraintIdentifier;
}

/** The depthwise half shared by DepthwiseConv2D and SeparableConv2D. */
abstract class DepthwiseBase extends Layer {
  readonly kernelSize: number[];
  readonly strides: number[];
  readonly padding: 'valid' | 'same';
  readonly depthMultiplier: number;
  readonly dataFormat: 'channels_last';
  readonly dilationRate: number[];
  readonly depthwiseInitializer: Initializer;
  readonly depthwiseRegularizer: Regularizer | null;
  readonly depthwiseConstraint: Constraint | null;
  readonly settings: KernelSettings;
  depthwiseKernel: Variable | null = null;
  bias: Variable | null = null;

  constructor(args: DepthwiseConv2DArgs, className: string) {
    super(args);
    this.kernelSize = toTuple(className, 'kernel_size', args?.kernelSize, 2);
    this.strides = toTuple(className, 'strides', args.strides ?? 1, 2);
    this.padding = oneOf(className, 'padding', args.padding ?? 'valid', ['valid', 'same']);
    this.depthMultiplier = positiveInt(className, 'depth_multiplier', args.depthMultiplier ?? 1);
    this.dataFormat = channelsLast(className, args.dataFormat);
    this.dilationRate = toTuple(className, 'dilation_rate', args.dilationRate ?? 1, 2);
    this.depthwiseInitializer = getInitializer(args.depthwiseInitializer ?? 'glorot_uniform', `${className}: depthwise_initializer`);
    this.depthwiseRegularizer = getRegularizer(args.depthwiseRegularizer, `${className}: depthwise_regularizer`);
    this.depthwiseConstraint = getConstraint(args.depthwiseConstraint, `${className}: depthwise_constraint`);
    this.settings = new KernelSettings(className, args);
    this.inputSpec = { ndim: 4 };
  }

  protected addDepthwiseKernel(channels: number, name: string): void {
    this.depthwiseKernel = this.addWeight({
      name,
      shape: [...this.kernelSize, channels, this.depthMultiplier],
      initializer: this.depthwiseInitializer,
      regularizer: this.depthwiseRegularizer,
      constraint: this.depthwiseConstraint,
    });
  }

  protected depthwise(x: Tensor): Tensor {
    return depthwiseConv2d(x, this.depthwiseKernel!, {
      strides: this.strides as [number, number],
      padding: this.padding,
      dilations: this.dilationRate as [number, number],
    });
  }

  protected spatialShape(s: LayerShape): (number | null)[] {
    return [0, 1].map((i) => convOutputLength(s[i + 1], this.kernelSize[i], this.padding, this.strides[i], this.dilationRate[i]));
  }

  protected depthwiseConfig(): Config {
    return {
      depth_multiplier: this.depthMultiplier,
      kernel_size: [...this.kernelSize],
      strides: [...this.strides],
      padding: this.padding,
      data_format: this.dataFormat,
      dilation_rate: [...this.dilationRate],
    };
  }
}

/** Convolves each channel with its own `depthMultiplier` filters. Corresponds to `keras.layers.DepthwiseConv2D`. */
export class DepthwiseConv2D extends DepthwiseBase {
  static override className = 'DepthwiseConv2D';
  constructor(args: DepthwiseConv2DArgs) {
    super(args, 'DepthwiseConv2D');
  }
  override build(inputShape: LayerShape | readonly LayerShape[]): void {
    const channels = knownDim(this, singleShape(this, inputShape), -1, 'channel');
    // Keras 3 names DepthwiseConv2D's weight 'kernel' but SeparableConv2D's 'depthwise_kernel'.
    this.addDepthwiseKernel(channels, 'kernel');
    this.bias = this.settings.addBias(this, channels * this.depthMultiplier);
    this.inputSpec = { ndim: 4, axes: { [-1]: channels } };
  }
  call(inputs: LayerInputs): Tensor {
    let y = this.depthwise(singleInput(this, inputs));
    if (this.bias !== null) y = add(y, this.bias);
    return this.settings.activation(y);
  }
  override computeOutputShape(s: LayerShape): LayerShape {
    return [s[0], ...this.spatialShape(s), s[3] === null ? null : s[3] * this.depthMultiplier];
  }
  override getConfig(): Config {
    const { activation, use_bias, bias_initializer, bias_regularizer, bias_constraint } = this.settings.config();
    return {
      ...super.getConfig(),
      ...this.depthwiseConfig(),
      activation,
      use_bias,
      depthwise_initializer: serializeInitializer(this.depthwiseInitializer),
      bias_initializer,
      depthwise_regularizer: serializeRegularizer(this.depthwiseRegularizer),
      bias_regularizer,
      activity_regularizer: serializeRegularizer(this.activityRegularizer),
      depthwise_constraint: serializeConstraint(this.depthwiseConstraint),
      bias_constraint,
    };
  }
}

export interface SeparableConv2DArgs extends DepthwiseConv2DArgs {
  filters: number;
  pointwiseInitializer?: InitializerIdentifier;
  pointwiseRegularizer?: RegularizerIdentifier;
  pointwiseConstraint?: ConstraintIdentifier;
}

/**
 * A depthwise convolution followed by a 1×1 convolution to `filters` channels. Corresponds to
 * `keras.layers.SeparableConv2D`.
 */
export class SeparableConv2D extends DepthwiseBase {
  static override className = 'SeparableConv2D';
  readonly filters: number;
  readonly pointwiseInitializer: Initializer;
  readonly pointwiseRegularizer: Regularizer | null;
  readonly pointwiseConstraint: Constraint | null;
  pointwiseKernel: Variable | null = null;
  constructor(args: SeparableConv2DArgs) {
    super(args, 'SeparableConv2D');
    this.filters = positiveInt('SeparableConv2D', 'filters', args.filters);
    this.pointwiseInitializer = getInitializer(args.pointwiseInitializer ?? 'glorot_uniform', 'SeparableConv2D: pointwise_initializer');
    this.pointwiseRegularizer = getRegularizer(args.pointwiseRegularizer, 'SeparableConv2D: pointwise_regularizer');
    this.pointwiseConstraint = getConstraint(args.pointwiseConstraint, 'SeparableConv2D: pointwise_constraint');
  }
  override build(inputShape: LayerShape | readonly LayerShape[]): void {
    const channels = knownDim(this, singleShape(this, inputShape), -1, 'channel');
    this.addDepthwiseKernel(channels, 'depthwise_kernel');
    this.pointwiseKernel = this.addWeight({
      name: 'pointwise_kernel',
      shape: [1, 1, channels * this.depthMultiplier, this.filters],
      initializer: this.pointwiseInitializer,
      regularizer: this.pointwiseRegularizer,
      constraint: this.pointwiseConstraint,
    });
    this.bias = this.settings.addBias(this, this.filters);
    this.inputSpec = { ndim: 4, axes: { [-1]: channels } };
  }
  call(inputs: LayerInputs): Tensor {
    let y = conv2d(this.depthwise(singleInput(this, inputs)), this.pointwiseKernel!);
    if (this.bias !== null) y = add(y, this.bias);
    return this.settings.activation(y);
  }
  override computeOutputShape(s: LayerShape): LayerShape {
    return [s[0], ...this.spatialShape(s), this.filters];
  }
  override getConfig(): Config {
    const { activation, use_bias, bias_initializer, bias_regularizer, bias_constraint } = this.settings.config();
    return {
      ...super.getConfig(),
      ...this.depthwiseConfig(),
      filters: this.filters,
      activation,
      use_bias,
      depthwise_initializer: serializeInitializer(this.depthwiseInitializer),
      pointwise_initializer: serializeInitializer(this.pointwiseInitializer),
      bias_initializer,
      depthwise_regularizer: serializeRegularizer(this.depthwiseRegularizer),
      pointwise_regularizer: serializeRegularizer(this.pointwiseRegularizer),
      bias_regularizer,
      activity_regularizer: serializeRegularizer(this.activityRegularizer),
      depthwise_constraint: serializeConstraint(this.depthwiseConstraint),
      pointwise_constraint: serializeConstraint(this.pointwiseConstraint),
      bias_constraint,
    };
  }
}
