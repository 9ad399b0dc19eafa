import { ArgumentError, Tensor, add, concat, fill, matMul, mul, slice, split, sub, type Variable } from '@tessera/core';
import { type ActivationFn, type ActivationIdentifier, getActivation, serializeActivation } from '../activations.js';
import { type Constraint, type ConstraintIdentifier, getConstraint, serializeConstraint } from '../constraints.js';
import { Initializer, type InitializerIdentifier, getInitializer, serializeInitializer, type WeightShape } from '../initializers.js';
import { Layer, type LayerArgs, type LayerShape } from '../layer.js';
import { type Regularizer, type RegularizerIdentifier, getRegularizer, serializeRegularizer } from '../regularizers.js';
import { type Config, numberArg, positiveInt } from '../serialization.js';
import { knownDim, singleShape } from './core.js';

export interface RecurrentCellArgs extends LayerArgs {
  units: number;
  activation?: ActivationIdentifier;
  recurrentActivation?: ActivationIdentifier;
  useBias?: boolean;
  kernelInitializer?: InitializerIdentifier;
  recurrentInitializer?: InitializerIdentifier;
  biasInitializer?: InitializerIdentifier;
  unitForgetBias?: boolean;
  kernelRegularizer?: RegularizerIdentifier;
  recurrentRegularizer?: RegularizerIdentifier;
  biasRegularizer?: RegularizerIdentifier;
  kernelConstraint?: ConstraintIdentifier;
  recurrentConstraint?: ConstraintIdentifier;
  biasConstraint?: ConstraintIdentifier;
  dropout?: number;
  recurrentDropout?: number;
  resetAfter?: boolean;
  seed?: number | null;
}

/** One step's result: the output and the new states. */
interface StepResult {
  output: Tensor;
  states: Tensor[];
}

/**
 * The weights and one-step update of a recurrent layer. Inputs are projected for every step at
 * once (`x·kernel (+ input bias)`), so a step only does the recurrent half. Keras's `*Cell`.
 */
export abstract class RecurrentCell extends Layer {
  readonly units: number;
  readonly activation: ActivationFn;
  readonly useBias: boolean;
  readonly kernelInitializer: Initializer;
  readonly recurrentInitializer: Initializer;
  readonly biasInitializer: Initializer;
  readonly kernelRegularizer: Regularizer | null;
  readonly recurrentRegularizer: Regularizer | null;
  readonly biasRegularizer: Regularizer | null;
  readonly kernelConstraint: Constraint | null;
  readonly recurrentConstraint: Constraint | null;
  readonly biasConstraint: Constraint | null;
  readonly dropout: number;
  readonly recurrentDropout: number;
  readonly seed: number | null;
  kernel: Variable | null = null;
  recurrentKernel: Variable | null = null;
  bias: Variable | null = null;
  /** How many blocks of `units` the kernel holds (1, 4 for LSTM, 3 for GRU). */
  protected abstract readonly gates: number;

  constructor(args: RecurrentCellArgs, className: string) {
    super(args);
    this.units = positiveInt(className, 'units', args?.units);
    this.activation = getActivation(args.activation === undefined ? 'tanh' : args.activation, `${className}: activation`);
    this.useBias = args.useBias ?? true;
    this.kernelInitializer = getInitializer(args.kernelInitializer ?? 'glorot_uniform', `${className}: kernel_initializer`);
    this.recurrentInitializer = getInitializer(args.recurrentInitializer ?? 'orthogonal', `${className}: recurrent_initializer`);
    this.biasInitializer = getInitializer(args.biasInitializer ?? 'zeros', `${className}: bias_initializer`);
    this.kernelRegularizer = getRegularizer(args.kernelRegularizer, `${className}: kernel_regularizer`);
    this.recurrentRegularizer = getRegularizer(args.recurrentRegularizer, `${className}: recurrent_regularizer`);
    this.biasRegularizer = getRegularizer(args.biasRegularizer, `${className}: bias_regularizer`);
    this.kernelConstraint = getConstraint(args.kernelConstraint, `${className}: kernel_constraint`);
    this.recurrentConstraint = getConstraint(args.recurrentConstraint, `${className}: recurrent_constraint`);
    this.biasConstraint = getConstraint(args.biasConstraint, `${className}: bias_constraint`);
    const rate = (arg: string, v: unknown) => numberArg(className, arg, v ?? 0, (r) => r >= 0 && r < 1, 'a number in [0, 1)');
    this.dropout = rate('dropout', args.dropout);
    this.recurrentDropout = rate('recurrent_dropout', args.recurrentDropout);
    this.seed = args.seed ?? null;
  }

  /** The number of state tensors (LSTM: 2). */
  get stateCount(): number {
    return 1;
  }

  protected biasShape(): number[] {
    return [this.gates * this.units];
  }

  protected biasInitializerFor(): Initializer {
    return this.biasInitializer;
  }

  override build(inputShape: LayerShape | readonly LayerShape[]): void {
    const features = knownDim(this, singleShape(this, inputShape), -1, 'feature');
    this.kernel = this.addWeight({
      name: 'kernel',
      shape: [features, this.gates * this.units],
      initializer: this.kernelInitializer,
      regularizer: this.kernelRegularizer,
      constraint: this.kernelConstraint,
    });
    this.recurrentKernel = this.addWeight({
      name: 'recurrent_kernel',
      shape: [this.units, this.gates * this.units],
      initializer: this.recurrentInitializer,
      regularizer: this.recurrentRegularizer,
      constraint: this.recurrentConstraint,
    });
    if (this.useBias) {
      this.bias = this.addWeight({
        name: 'bias',
        shape: this.biasShape(),
        initializer: this.biasInitializerFor(),
        regularizer: this.biasRegularizer,
        constraint: this.biasConstraint,
      });
    }
  }

  /** `x·kernel (+ bias)` for every step: `[batch, time, gates·units]`. */
  projectInputs(x: Tensor): Tensor {
    const projected = matMul(x, this.kernel!);
    return this.bias === null ? projected : add(projected, this.inputBias());
  }

  protected inputBias(): Tensor {
    return this.bias!;
  }

  abstract step(projected: Tensor, states: readonly Tensor[]): StepResult;

  call(): Tensor {
    throw new ArgumentError(`${this.name}: a recurrent cell runs inside its RNN layer, not on its own`);
  }

  cellConfig(): Config {
    return {
      units: this.units,
      activation: serializeActivation(this.activation),
      use_bias: this.useBias,
      kernel_initializer: serializeInitializer(this.kernelInitializer),
      recurrent_initializer: serializeInitializer(this.recurrentInitializer),
      bias_initializer: serializeInitializer(this.biasInitializer),
      kernel_regularizer: serializeRegularizer(this.kernelRegularizer),
      recurrent_regularizer: serializeRegularizer(this.recurrentRegularizer),
      bias_regularizer: serializeRegularizer(this.biasRegularizer),
      kernel_constraint: serializeConstraint(this.kernelConstraint),
      recurrent_constraint: serializeConstraint(this.recurrentConstraint),
      bias_constraint: serializeConstraint(this.biasConstraint),
      dropout: this.dropout,
      recurrent_dropout: this.recurrentDropout,
    };
  }
}

/** `h = activation(x·W + b + h·U)`. Keras's `SimpleRNNCell`. */
export class SimpleRNNCell extends RecurrentCell {
  static override className = 'SimpleRNNCell';
  protected readonly gates = 1;
  constructor(args: RecurrentCellArgs) {
    super(args, 'SimpleRNNCell');
  }
  step(projected: Tensor, [h]: readonly Tensor[]): StepResult {
    const next = this.activation(add(projected, matMul(h, this.recurrentKernel!)));
    return { output: next, states: [next] };
  }
}

/** Keras's LSTM bias start: zeros, except ones for the forget gate. */
class UnitForgetBias extends Initializer {
  readonly className = 'UnitForgetBias';
  constructor(
    private readonly base: Initializer,
    private readonly units: number,
  ) {
    super();
  }
  call(_shape: WeightShape): Tensor {
    const u = this.units;
    return concat([this.base.call([u]), fill([u], 1), this.base.call([2 * u])], 0);
  }
}

/**
 * Gates i, f, c, o (Keras's order): `c' = f·c + i·tanh(c~)`, `h' = o·tanh(c')`, gates through
 * `recurrentActivation` (sigmoid). Keras's `LSTMCell`.
 */
export class LSTMCell extends RecurrentCell {
  static override className = 'LSTMCell';
  protected readonly gates = 4;
  readonly recurrentActivation: ActivationFn;
  readonly unitForgetBias: boolean;
  constructor(args: RecurrentCellArgs) {
    super(args, 'LSTMCell');
    this.recurrentActivation = getActivation(args.recurrentActivation === undefined ? 'sigmoid' : args.recurrentActivation, 'LSTM: recurrent_activation');
    this.unitForgetBias = args.unitForgetBias ?? true;
  }
  override get stateCount(): number {
    return 2;
  }
  protected override biasInitializerFor(): Initializer {
    return this.unitForgetBias ? new UnitForgetBias(this.biasInitializer, this.units) : this.biasInitializer;
  }
  step(projected: Tensor, [h, c]: readonly Tensor[]): StepResult {
    const z = add(projected, matMul(h, this.recurrentKernel!));
    const [zi, zf, zc, zo] = split(z, 4, -1);
    const i = this.recurrentActivation(zi);
    const f = this.recurrentActivation(zf);
    const nextC = add(mul(f, c), mul(i, this.activation(zc)));
    const nextH = mul(this.recurrentActivation(zo), this.activation(nextC));
    return { output: nextH, states: [nextH, nextC] };
  }
}

/**
 * Gates z, r, h (Keras's order), `h' = z·h + (1 − z)·h~`. With `resetAfter` (Keras 3's default)
 * the reset gate multiplies the recurrent projection after the matmul and the bias has an input
 * row and a recurrent row. Keras's `GRUCell`.
 */
export class GRUCell extends RecurrentCell {
  static override className = 'GRUCell';
  protected readonly gates = 3;
  readonly recurrentActivation: ActivationFn;
  readonly resetAfter: boolean;
  constructor(args: RecurrentCellArgs) {
    super(args, 'GRUCell');
    this.recurrentActivation = getActivation(args.recurrentActivation === undefined ? 'sigmoid' : args.recurrentActivation, 'GRU: recurrent_activation');
    this.resetAfter = args.resetAfter ?? true;
  }
  protected override biasShape(): number[] {
    return this.resetAfter ? [2, 3 * this.units] : [3 * this.units];
  }
  protected override inputBias(): Tensor {
    return this.resetAfter ? slice(this.bias!, [0, 0], [1, 3 * this.units]).reshape([3 * this.units]) : this.bias!;
  }
  step(projected: Tensor, [h]: readonly Tensor[]): StepResult {
    const u = this.units;
    const [xz, xr, xh] = split(projected, 3, -1);
    let next: Tensor;
    if (this.resetAfter) {
      let recurrent = matMul(h, this.recurrentKernel!);
      if (this.bias !== null) recurrent = add(recurrent, slice(this.bias, [1, 0], [1, 3 * u]).reshape([3 * u]));
      const [hz, hr, hh] = split(recurrent, 3, -1);
      const z = this.recurrentActivation(add(xz, hz));
      const r = this.recurrentActivation(add(xr, hr));
      const candidate = this.activation(add(xh, mul(r, hh)));
      next = add(mul(z, h), mul(sub(1, z), candidate));
    } else {
      const [uz, ur, uh] = split(this.recurrentKernel!, 3, -1);
      const z = this.recurrentActivation(add(xz, matMul(h, uz)));
      const r = this.recurrentActivation(add(xr, matMul(h, ur)));
      const candidate = this.activation(add(xh, matMul(mul(r, h), uh)));
      next = add(mul(z, h), mul(sub(1, z), candidate));
    }
    return { output: next, states: [next] };
  }
}
