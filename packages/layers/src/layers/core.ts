import {
  ArgumentError,
  Tensor,
  add,
  any,
  cast,
  expandDims,
  gather,
  matMul,
  mul,
  notEqual,
  type Variable,
} from '@tessera/core';
import { type ActivationFn, type ActivationIdentifier, getActivation, serializeActivation } from '../activations.js';
import { type ConstraintIdentifier, getConstraint, serializeConstraint, type Constraint } from '../constraints.js';
import { type Initializer, type InitializerIdentifier, getInitializer, serializeInitializer } from '../initializers.js';
import { Layer, type LayerArgs, type LayerInputs, type LayerShape, formatLayerShape } from '../layer.js';
import { type Regularizer, type RegularizerIdentifier, getRegularizer, serializeRegularizer } from '../regularizers.js';
import { type Config, numberArg, positiveInt } from '../serialization.js';

/** Takes the single input of a one-input layer, with an error naming the layer when given a list. */
export function singleInput(layer: Layer, inputs: LayerInputs): Tensor {
  if (Array.isArray(inputs)) {
    if (inputs.length === 1) return inputs[0];
    throw new ArgumentError(`${layer.name}: expects one input tensor, got a list of ${inputs.length}`);
  }
  return inputs as Tensor;
}

/** A single layer shape from `build`/`computeOutputShape` arguments. */
export function singleShape(layer: Layer, shape: LayerShape | readonly LayerShape[]): LayerShape {
  if (shape.length > 0 && Array.isArray(shape[0])) {
    if (shape.length === 1) return shape[0] as LayerShape;
    throw new ArgumentError(`${layer.name}: expects one input shape, got ${shape.length}`);
  }
  return shape as LayerShape;
}

export function knownDim(layer: Layer, shape: LayerShape, axis: number, what: string): number {
  const d = shape[axis < 0 ? shape.length + axis : axis];
  if (d === null || d === undefined) {
    throw new ArgumentError(`${layer.name}: the ${what} dimension (axis ${axis}) must be known to build, got shape ${formatLayerShape(shape)}`);
  }
  return d;
}

/** The options Dense and the convolutions share for their kernel and bias. */
export interface KernelArgs extends LayerArgs {
  activation?: ActivationIdentifier;
  useBias?: boolean;
  kernelInitializer?: InitializerIdentifier;
  biasInitializer?: InitializerIdentifier;
  kernelRegularizer?: RegularizerIdentifier;
  biasRegularizer?: RegularizerIdentifier;
  kernelConstraint?: ConstraintIdentifier;
  biasConstraint?: ConstraintIdentifier;
}

/** The kernel/bias/activation plumbing Dense and the convolutions share. */
export class KernelSettings {
  readonly activation: ActivationFn;
  readonly useBias: boolean;
  readonly kernelInitializer: Initializer;
  readonly biasInitializer: Initializer;
  readonly kernelRegularizer: Regularizer | null;
  readonly biasRegularizer: Regularizer | null;
  readonly kernelConstraint: Constraint | null;
  readonly biasConstraint: Constraint | null;

  constructor(layerName: string, args: KernelArgs) {
    this.activation = getActivation(args.activation, `${layerName}: activation`);
    this.useBias = args.useBias ?? true;
    this.kernelInitializer = getInitializer(args.kernelInitializer ?? 'glorot_uniform', `${layerName}: kernel_initializer`);
    this.biasInitializer = getInitializer(args.biasInitializer ?? 'zeros', `${layerName}: bias_initializer`);
    this.kernelRegularizer = getRegularizer(args.kernelRegularizer, `${layerName}: kernel_regularizer`);
    this.biasRegularizer = getRegularizer(args.biasRegularizer, `${layerName}: bias_regularizer`);
    this.kernelConstraint = getConstraint(args.kernelConstraint, `${layerName}: kernel_constraint`);
    this.biasConstraint = getConstraint(args.biasConstraint, `${layerName}: bias_constraint`);
  }

  addKernel(layer: Layer, shape: number[], name = 'kernel'): Variable {
    return layer.addWeight({
      name,
      shape,
      initializer: this.kernelInitializer,
      regularizer: this.kernelRegularizer,
      constraint: this.kernelConstraint,
    });
  }

  addBias(layer: Layer, units: number): Variable | null {
    if (!this.useBias) return null;
    return layer.addWeight({
      name: 'bias',
      shape: [units],
      initializer: this.biasInitializer,
      regularizer: this.biasRegularizer,
      constraint: this.biasConstraint,
    });
  }

  config(kernelPrefix = 'kernel'): Config {
    return {
      activation: serializeActivation(this.activation),
      use_bias: this.useBias,
      [`${kernelPrefix}_initializer`]: serializeInitializer(this.kernelInitializer),
      bias_initializer: serializeInitializer(this.biasInitializer),
      [`${kernelPrefix}_regularizer`]: serializeRegularizer(this.kernelRegularizer),
      bias_regularizer: serializeRegularizer(this.biasRegularizer),
      [`${kernelPrefix}_constraint`]: serializeConstraint(this.kernelConstraint),
      bias_constraint: serializeConstraint(this.biasConstraint),
    };
  }
}

export interface DenseArgs extends KernelArgs {
  units: number;
}

/**
 * `activation(x · kernel + bias)` over the last axis. Corresponds to `keras.layers.Dense`.
 *
 * @example new Dense({ units: 10, activation: 'relu' }).apply(x) // [batch, 10]
 */
export class Dense extends Layer {
  static override className = 'Dense';
  readonly units: number;
  readonly settings: KernelSettings;
  kernel: Variable | null = null;
  bias: Variable | null = null;

  constructor(args: DenseArgs) {
    super(args);
    this.units = positiveInt('Dense', 'units', args?.units);
    this.settings = new KernelSettings('Dense', args);
    this.inputSpec = { minNdim: 2 };
    this.supportsMasking = true;
  }

  override build(inputShape: LayerShape | readonly LayerShape[]): void {
    const shape = singleShape(this, inputShape);
    const inputDim = knownDim(this, shape, -1, 'last');
    this.kernel = this.settings.addKernel(this, [inputDim, this.units]);
    this.bias = this.settings.addBias(this, this.units);
    this.inputSpec = { minNdim: 2, axes: { [-1]: inputDim } };
  }

  call(inputs: LayerInputs): Tensor {
    const x = singleInput(this, inputs);
    let y = matMul(x, this.kernel!);
    if (this.bias !== null) y = add(y, this.bias);
    return this.settings.activation(y);
  }

  override computeOutputShape(inputShape: LayerShape): LayerShape {
    return [...inputShape.slice(0, -1), this.units];
  }

  override getConfig(): Config {
    const { activation, use_bias, ...rest } = this.settings.config();
    const { bias_regularizer, kernel_constraint, bias_constraint, kernel_initializer, bias_initializer, kernel_regularizer } = rest;
    return {
      ...super.getConfig(),
      units: this.units,
      activation,
      use_bias,
      kernel_initializer,
      bias_initializer,
      kernel_regularizer,
      bias_regularizer,
      kernel_constraint,
      bias_constraint,
      quantization_config: null,
    };
  }
}

export interface InputLayerArgs {
  shape?: readonly (number | null)[];
  batchSize?: number | null;
  batchShape?: readonly (number | null)[];
  dtype?: unknown;
  sparse?: boolean;
  ragged?: boolean;
  name?: string;
  optional?: boolean;
}

/**
 * The entry of a model: declares the input's shape (batch included as `null`) and passes tensors
 * through unchanged after checking them. Corresponds to `keras.layers.InputLayer`.
 */
export class InputLayer extends Layer {
  static override className = 'InputLayer';
  readonly batchShape: LayerShape;
  readonly sparse: boolean;
  readonly ragged: boolean;
  readonly optional: boolean;

  constructor(args: InputLayerArgs = {}) {
    super({ name: args.name, dtype: args.dtype });
    if (args.shape !== undefined && args.batchShape !== undefined) {
      throw new ArgumentError(`InputLayer: give shape or batch_shape, not both (got ${JSON.stringify(args.shape)} and ${JSON.stringify(args.batchShape)})`);
    }
    if (args.batchShape !== undefined) this.batchShape = [...args.batchShape];
    else if (args.shape !== undefined) this.batchShape = [args.batchSize ?? null, ...args.shape];
    else throw new ArgumentError('InputLayer: needs shape or batch_shape');
    if (args.sparse || args.ragged) throw new ArgumentError('InputLayer: sparse and ragged inputs are not supported');
    this.sparse = false;
    this.ragged = false;
    this.optional = args.optional ?? false;
    this.inputSpec = { shape: this.batchShape };
    this.built = true;
    this.supportsMasking = true;
  }

  call(inputs: LayerInputs): Tensor {
    return singleInput(this, inputs).clone();
  }

  override computeOutputShape(inputShape: LayerShape): LayerShape {
    return inputShape;
  }

  override getConfig(): Config {
    return {
      batch_shape: [...this.batchShape],
      dtype: this.dtype,
      sparse: this.sparse,
      ragged: this.ragged,
      name: this.name,
      optional: this.optional,
    };
  }
}

export interface ActivationArgs extends LayerArgs {
  activation: ActivationIdentifier;
}

/** Applies an activation by name. Corresponds to `keras.layers.Activation`. */
export class Activation extends Layer {
  static override className = 'Activation';
  readonly activation: ActivationFn;
  constructor(args: ActivationArgs) {
    super(args);
    this.activation = getActivation(args?.activation, 'Activation: activation');
    this.supportsMasking = true;
  }
  call(inputs: LayerInputs): Tensor {
    return this.activation(singleInput(this, inputs));
  }
  override computeOutputShape(inputShape: LayerShape): LayerShape {
    return inputShape;
  }
  override getConfig(): Config {
    return { ...super.getConfig(), activation: serializeActivation(this.activation) };
  }
}

export interface EmbeddingArgs extends LayerArgs {
  inputDim: number;
  outputDim: number;
  embeddingsInitializer?: InitializerIdentifier;
  embeddingsRegularizer?: RegularizerIdentifier;
  embeddingsConstraint?: ConstraintIdentifier;
  maskZero?: boolean;
}

/**
 * Looks up rows of an `[inputDim, outputDim]` table by integer id. With `maskZero`, id 0 is padding
 * and the output carries a mask. Corresponds to `keras.layers.Embedding`.
 */
export class Embedding extends Layer {
  static override className = 'Embedding';
  readonly inputDim: number;
  readonly outputDim: number;
  readonly maskZero: boolean;
  readonly embeddingsInitializer: Initializer;
  readonly embeddingsRegularizer: Regularizer | null;
  readonly embeddingsConstraint: Constraint | null;
  embeddings: Variable | null = null;

  constructor(args: EmbeddingArgs) {
    super(args);
    this.inputDim = positiveInt('Embedding', 'input_dim', args?.inputDim);
    this.outputDim = positiveInt('Embedding', 'output_dim', args?.outputDim);
    this.maskZero = args.maskZero ?? false;
    this.embeddingsInitializer = getInitializer(args.embeddingsInitializer ?? { class_name: 'RandomUniform', config: {} }, 'Embedding: embeddings_initializer');
    this.embeddingsRegularizer = getRegularizer(args.embeddingsRegularizer, 'Embedding: embeddings_regularizer');
    this.embeddingsConstraint = getConstraint(args.embeddingsConstraint, 'Embedding: embeddings_constraint');
    this.supportsMasking = this.maskZero;
  }

  override build(): void {
    this.embeddings = this.addWeight({
      name: 'embeddings',
      shape: [this.inputDim, this.outputDim],
      initializer: this.embeddingsInitializer,
      regularizer: this.embeddingsRegularizer,
      constraint: this.embeddingsConstraint,
    });
  }

  call(inputs: LayerInputs): Tensor {
    const ids = singleInput(this, inputs);
    const indices = ids.dtype === 'int32' ? ids : cast(ids, 'int32');
    return gather(this.embeddings!, indices, 0);
  }

  override computeMask(inputs: LayerInputs): Tensor | null {
    if (!this.maskZero) return null;
    return notEqual(singleInput(this, inputs), 0);
  }

  override computeOutputShape(inputShape: LayerShape): LayerShape {
    return [...inputShape, this.outputDim];
  }

  override getConfig(): Config {
    return {
      ...super.getConfig(),
      input_dim: this.inputDim,
      output_dim: this.outputDim,
      embeddings_initializer: serializeInitializer(this.embeddingsInitializer),
      embeddings_regularizer: serializeRegularizer(this.embeddingsRegularizer),
      activity_regularizer: serializeRegularizer(this.activityRegularizer),
      embeddings_constraint: serializeConstraint(this.embeddingsConstraint),
      mask_zero: this.maskZero,
      quantization_config: null,
    };
  }
}

export interface MaskingArgs extends LayerArgs {
  maskValue?: number;
}

/**
 * Masks every timestep whose features all equal `maskValue` and zeroes it in the output.
 * Corresponds to `keras.layers.Masking`.
 */
export class Masking extends Layer {
  static override className = 'Masking';
  readonly maskValue: number;
  constructor(args: MaskingArgs = {}) {
    super(args);
    this.maskValue = numberArg('Masking', 'mask_value', args.maskValue ?? 0);
    this.supportsMasking = true;
  }
  private stepMask(x: Tensor, keepDims: boolean): Tensor {
    return any(notEqual(x, this.maskValue), -1, keepDims);
  }
  call(inputs: LayerInputs): Tensor {
    const x = singleInput(this, inputs);
    return mul(x, cast(this.stepMask(x, true), x.dtype));
  }
  override computeMask(inputs: LayerInputs): Tensor {
    return this.stepMask(singleInput(this, inputs), false);
  }
  override computeOutputShape(inputShape: LayerShape): LayerShape {
    return inputShape;
  }
  override getConfig(): Config {
    return { ...super.getConfig(), mask_value: this.maskValue };
  }
}

/** Broadcasts a `[batch, time]` mask against `[batch, time, features]` as float. */
export function floatMask(mask: Tensor, rank: number): Tensor {
  let m = cast(mask, 'float32');
  while (m.rank < rank) m = expandDims(m, -1);
  return m;
}
