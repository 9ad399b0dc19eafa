import {
  ArgumentError,
  Tensor,
  add,
  bernoulli,
  concat,
  div,
  expandDims,
  fill,
  matMul,
  mul,
  slice,
  split,
  stack,
  sub,
  unstack,
  where,
  zeros,
  type Variable,
} from '@tessera/core';
import { type ActivationFn, type ActivationIdentifier, getActivation, serializeActivation } from '../activations.js';
import { type Constraint, type ConstraintIdentifier, getConstraint, serializeConstraint } from '../constraints.js';
import { Initializer, type InitializerIdentifier, getInitializer, serializeInitializer, type WeightShape } from '../initializers.js';
import { type CallArgs, Layer, type LayerArgs, type LayerInputs, type LayerShape } from '../layer.js';
import { type Regularizer, type RegularizerIdentifier, getRegularizer, serializeRegularizer } from '../regularizers.js';
import { type Config, numberArg, positiveInt } from '../serialization.js';
import { knownDim, singleInput, singleShape } from './core.js';

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
abstract class RecurrentCell extends Layer {
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

export interface RNNArgs extends RecurrentCellArgs {
  returnSequences?: boolean;
  returnState?: boolean;
  goBackwards?: boolean;
  stateful?: boolean;
  unroll?: boolean;
  zeroOutputForMask?: boolean;
}

/**
 * Runs a cell over the time axis of `[batch, time, features]`. Masked steps keep the previous
 * state and repeat the previous output (zeros before the first unmasked step, or always zeros
 * with `zeroOutputForMask`). `goBackwards` reads the sequence from the end and returns the
 * sequence in that reversed order. Keras's `RNN`, the base of SimpleRNN, LSTM and GRU.
 */
export abstract class RNN extends Layer {
  readonly returnSequences: boolean;
  readonly returnState: boolean;
  readonly goBackwards: boolean;
  readonly stateful: boolean;
  readonly unroll: boolean;
  zeroOutputForMask: boolean;
  abstract readonly cell: RecurrentCell;
  private dropoutCalls = 0;

  constructor(args: RNNArgs, className: string) {
    super(args);
    this.returnSequences = args?.returnSequences ?? false;
    this.returnState = args?.returnState ?? false;
    this.goBackwards = args?.goBackwards ?? false;
    this.stateful = args?.stateful ?? false;
    this.unroll = args?.unroll ?? false;
    this.zeroOutputForMask = args?.zeroOutputForMask ?? false;
    if (this.stateful) throw new ArgumentError(`${className}: stateful recurrent layers are not supported yet`);
    this.inputSpec = { ndim: 3 };
    this.supportsMasking = true;
  }

  get units(): number {
    return this.cell.units;
  }

  override build(inputShape: LayerShape | readonly LayerShape[]): void {
    this.cell.build(singleShape(this, inputShape));
  }

  private dropoutMask(shape: number[], rate: number): Tensor {
    const seed = this.cell.seed === null ? undefined : ([this.cell.seed >>> 0, this.dropoutCalls++] as [number, number]);
    return div(bernoulli(shape, 1 - rate, seed), 1 - rate);
  }

  call(inputs: LayerInputs, args: CallArgs): Tensor | Tensor[] {
    let x = singleInput(this, inputs);
    const [batch, time] = x.shape;
    const mask = args.mask instanceof Tensor ? args.mask : null;
    const training = args.training === true;
    if (training && this.cell.dropout > 0) x = mul(x, expandDims(this.dropoutMask([batch, x.shape[2]], this.cell.dropout), 1));
    const recurrentMask = training && this.cell.recurrentDropout > 0 ? this.dropoutMask([batch, this.units], this.cell.recurrentDropout) : null;

    const initial = args.initialState as Tensor | readonly Tensor[] | undefined;
    let states: Tensor[] =
      initial === undefined || initial === null
        ? Array.from({ length: this.cell.stateCount }, () => zeros([batch, this.units]))
        : Array.isArray(initial)
          ? [...initial]
          : [initial as Tensor];
    if (states.length !== this.cell.stateCount) {
      throw new ArgumentError(`${this.name}: initial_state must be ${this.cell.stateCount} tensors of shape [batch, ${this.units}], got ${states.length}`);
    }

    let projected = unstack(this.cell.projectInputs(x), 1);
    let stepMasks = mask === null ? null : unstack(expandDims(mask, -1), 1);
    if (this.goBackwards) {
      projected = projected.reverse();
      if (stepMasks !== null) stepMasks = stepMasks.reverse();
    }
    let previousOutput: Tensor = zeros([batch, this.units]);
    const outputs: Tensor[] = [];
    for (let t = 0; t < time; t++) {
      const stepStates = recurrentMask === null ? states : [mul(states[0], recurrentMask), ...states.slice(1)];
      const { output, states: next } = this.cell.step(projected[t], stepStates);
      if (stepMasks === null) {
        states = next;
        previousOutput = output;
        outputs.push(output);
      } else {
        const keep = stepMasks[t];
        states = next.map((s, i) => where(keep, s, states[i]));
        const stepOutput = where(keep, output, this.zeroOutputForMask ? zeros(output.shape) : previousOutput);
        previousOutput = where(keep, output, previousOutput);
        outputs.push(stepOutput);
      }
    }
    const last = stepMasks === null ? outputs[time - 1] : previousOutput;
    const result = this.returnSequences ? stack(outputs, 1) : last;
    return this.returnState ? [result, ...states] : result;
  }

  override computeMask(_inputs: LayerInputs, mask: Tensor | null | readonly (Tensor | null)[]): Tensor | null | (Tensor | null)[] {
    const m = mask instanceof Tensor ? mask : null;
    const outputMask = this.returnSequences ? m : null;
    return this.returnState ? [outputMask, ...Array.from({ length: this.cell.stateCount }, () => null)] : outputMask;
  }

  override computeOutputShape(inputShape: LayerShape): LayerShape | LayerShape[] {
    const out: LayerShape = this.returnSequences ? [inputShape[0], inputShape[1], this.units] : [inputShape[0], this.units];
    if (!this.returnState) return out;
    return [out, ...Array.from({ length: this.cell.stateCount }, () => [inputShape[0], this.units] as LayerShape)];
  }

  override getConfig(): Config {
    return {
      ...super.getConfig(),
      return_sequences: this.returnSequences,
      return_state: this.returnState,
      go_backwards: this.goBackwards,
      stateful: this.stateful,
      unroll: this.unroll,
      zero_output_for_mask: this.zeroOutputForMask,
    };
  }
}

/** A fully connected recurrence. Corresponds to `keras.layers.SimpleRNN`. */
export class SimpleRNN extends RNN {
  static override className = 'SimpleRNN';
  readonly cell: SimpleRNNCell;
  constructor(args: RNNArgs) {
    super(args, 'SimpleRNN');
    this.cell = new SimpleRNNCell({ ...args, name: 'simple_rnn_cell' });
  }
  override getConfig(): Config {
    const { units, activation, use_bias, ...rest } = this.cell.cellConfig();
    return { ...super.getConfig(), units, activation, use_bias, ...withActivity(rest, this) };
  }
}

/** Inserts Keras's `activity_regularizer` key after `bias_regularizer`, where Keras writes it. */
function withActivity(config: Config, layer: Layer): Config {
  const out: Config = {};
  for (const [k, v] of Object.entries(config)) {
    out[k] = v;
    if (k === 'bias_regularizer') out.activity_regularizer = serializeRegularizer(layer.activityRegularizer);
  }
  return out;
}

/** Long short-term memory (Hochreiter & Schmidhuber, 1997). Corresponds to `keras.layers.LSTM`. */
export class LSTM extends RNN {
  static override className = 'LSTM';
  readonly cell: LSTMCell;
  constructor(args: RNNArgs) {
    super(args, 'LSTM');
    this.cell = new LSTMCell({ ...args, name: 'lstm_cell' });
  }
  override getConfig(): Config {
    const { units, activation, use_bias, bias_initializer, ...rest } = this.cell.cellConfig();
    const { kernel_initializer, recurrent_initializer, ...tail } = rest;
    return {
      ...super.getConfig(),
      units,
      activation,
      recurrent_activation: serializeActivation(this.cell.recurrentActivation),
      use_bias,
      kernel_initializer,
      recurrent_initializer,
      bias_initializer,
      unit_forget_bias: this.cell.unitForgetBias,
      ...withActivity(tail, this),
      seed: this.cell.seed,
    };
  }
}

/** Gated recurrent unit (Cho et al., 2014), Keras 3's `reset_after: true` by default. Corresponds to `keras.layers.GRU`. */
export class GRU extends RNN {
  static override className = 'GRU';
  readonly cell: GRUCell;
  constructor(args: RNNArgs) {
    super(args, 'GRU');
    this.cell = new GRUCell({ ...args, name: 'gru_cell' });
  }
  get resetAfter(): boolean {
    return this.cell.resetAfter;
  }
  override getConfig(): Config {
    const { units, activation, use_bias, ...rest } = this.cell.cellConfig();
    return {
      ...super.getConfig(),
      units,
      activation,
      recurrent_activation: serializeActivation(this.cell.recurrentActivation),
      use_bias,
      ...withActivity(rest, this),
      reset_after: this.cell.resetAfter,
      seed: this.cell.seed,
    };
  }
}
