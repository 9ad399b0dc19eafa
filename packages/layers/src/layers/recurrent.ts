import { ArgumentError, Tensor, bernoulli, div, expandDims, mul, stack, unstack, where, zeros } from '@tessera/core';
import { serializeActivation } from '../activations.js';
import { type CallArgs, Layer, type LayerInputs, type LayerShape } from '../layer.js';
import { serializeRegularizer } from '../regularizers.js';
import { type Config } from '../serialization.js';
import { singleInput, singleShape } from './core.js';
import { GRUCell, LSTMCell, type RecurrentCell, type RecurrentCellArgs, SimpleRNNCell } from './recurrent-cells.js';

export { GRUCell, LSTMCell, SimpleRNNCell };
export type { RecurrentCellArgs };

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
