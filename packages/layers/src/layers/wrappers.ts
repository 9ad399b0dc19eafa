import { ArgumentError, Tensor, add, concat, div, mul, reshape, reverse } from '@tessera/core';
import { type CallArgs, Layer, type LayerArgs, type LayerInputs, type LayerShape } from '../layer.js';
import { deserializeLayer, serializeLayer } from '../registry.js';
import { type Config, type SerializedObject, isSerializedObject } from '../serialization.js';
import { RNN } from './recurrent.js';
import { singleInput, singleShape } from './core.js';

function layerArgument(wrapper: string, value: unknown): Layer {
  if (value instanceof Layer) return value;
  if (isSerializedObject(value)) return deserializeLayer(value);
  throw new ArgumentError(`${wrapper}: layer must be a Layer or a serialized layer config, got ${JSON.stringify(value)}`);
}

export interface TimeDistributedArgs extends LayerArgs {
  layer: Layer | SerializedObject;
}

/**
 * Applies a layer to every timestep of `[batch, time, ...]` (the time axis folded into the batch).
 * Corresponds to `keras.layers.TimeDistributed`.
 */
export class TimeDistributed extends Layer {
  static override className = 'TimeDistributed';
  readonly layer: Layer;
  constructor(args: TimeDistributedArgs) {
    super(args);
    this.layer = layerArgument('TimeDistributed', args?.layer);
    this.inputSpec = { minNdim: 3 };
    this.supportsMasking = true;
  }
  override build(inputShape: LayerShape | readonly LayerShape[]): void {
    const shape = singleShape(this, inputShape);
    this.layer.build([shape[0] === null || shape[1] === null ? null : shape[0] * shape[1], ...shape.slice(2)]);
  }
  call(inputs: LayerInputs, args: CallArgs): Tensor {
    const x = singleInput(this, inputs);
    const [, time, ...rest] = x.shape;
    const y = this.layer.apply(reshape(x, [-1, ...rest]), { training: args.training });
    if (Array.isArray(y)) throw new ArgumentError(`${this.name}: the wrapped layer must return one tensor, got ${y.length}`);
    return reshape(y, [-1, time, ...y.shape.slice(1)]);
  }
  override computeOutputShape(inputShape: LayerShape): LayerShape {
    const inner = this.layer.computeOutputShape([inputShape[0], ...inputShape.slice(2)]) as LayerShape;
    return [inputShape[0], inputShape[1], ...inner.slice(1)];
  }
  override getConfig(): Config {
    return { ...super.getConfig(), layer: serializeLayer(this.layer) };
  }
  static override fromConfig<T extends Layer>(this: new (args: any) => T, config: Config): T {
    return new this({ name: config.name, trainable: config.trainable, dtype: config.dtype, layer: config.layer });
  }
}

type MergeMode = 'concat' | 'sum' | 'mul' | 'ave' | null;

export interface BidirectionalArgs extends LayerArgs {
  layer: RNN | SerializedObject;
  mergeMode?: MergeMode;
  backwardLayer?: RNN | SerializedObject | null;
}

/** A copy of a recurrent layer through its config, with some fields replaced. */
function copyRecurrent(layer: RNN, changes: Config): RNN {
  const copy = deserializeLayer({ class_name: layer.className, config: { ...layer.getConfig(), ...changes } });
  if (!(copy instanceof RNN)) throw new ArgumentError(`Bidirectional: layer must be a recurrent layer, got ${layer.className}`);
  return copy;
}

function withoutPrefix(name: string, prefix: string): string {
  return name.startsWith(prefix) ? name.slice(prefix.length) : name;
}

/**
 * Runs a recurrent layer forwards and a copy backwards over the sequence and merges the two
 * (the backward sequence flipped back into time order first). Corresponds to
 * `keras.layers.Bidirectional`.
 */
export class Bidirectional extends Layer {
  static override className = 'Bidirectional';
  readonly forwardLayer: RNN;
  readonly backwardLayer: RNN;
  readonly mergeMode: MergeMode;

  constructor(args: BidirectionalArgs) {
    super(args);
    const layer = layerArgument('Bidirectional', args?.layer);
    if (!(layer instanceof RNN)) throw new ArgumentError(`Bidirectional: layer must be a recurrent layer (SimpleRNN, LSTM, GRU), got ${layer.className}`);
    const mergeMode = args.mergeMode === undefined ? 'concat' : args.mergeMode;
    if (!['concat', 'sum', 'mul', 'ave', null].includes(mergeMode)) {
      throw new ArgumentError(`Bidirectional: merge_mode must be 'concat', 'sum', 'mul', 'ave' or null, got ${JSON.stringify(mergeMode)}`);
    }
    this.mergeMode = mergeMode;
    // Keras rebuilds the forward layer from its config so it carries no state of the original.
    this.forwardLayer = copyRecurrent(layer, { name: `forward_${withoutPrefix(layer.name, 'forward_')}` });
    if (args.backwardLayer === undefined || args.backwardLayer === null) {
      this.backwardLayer = copyRecurrent(layer, { go_backwards: !layer.goBackwards, name: `backward_${withoutPrefix(layer.name, 'backward_')}` });
    } else {
      const backward = layerArgument('Bidirectional', args.backwardLayer);
      if (!(backward instanceof RNN)) throw new ArgumentError(`Bidirectional: backward_layer must be a recurrent layer, got ${backward.className}`);
      this.backwardLayer = backward;
    }
    if (this.forwardLayer.goBackwards === this.backwardLayer.goBackwards) {
      throw new ArgumentError('Bidirectional: the forward and backward layers must have different go_backwards values');
    }
    // Keras: each direction outputs zeros at masked steps when it returns sequences.
    this.forwardLayer.zeroOutputForMask = this.forwardLayer.returnSequences;
    this.backwardLayer.zeroOutputForMask = this.backwardLayer.returnSequences;
    this.inputSpec = { ndim: 3 };
    this.supportsMasking = true;
  }

  get returnSequences(): boolean {
    return this.forwardLayer.returnSequences;
  }

  get returnState(): boolean {
    return this.forwardLayer.returnState;
  }

  override build(inputShape: LayerShape | readonly LayerShape[]): void {
    const shape = singleShape(this, inputShape);
    this.forwardLayer.build(shape);
    this.backwardLayer.build(shape);
  }

  call(inputs: LayerInputs, args: CallArgs): Tensor | Tensor[] {
    const x = singleInput(this, inputs);
    const initial = args.initialState as readonly Tensor[] | undefined;
    const half = initial ? initial.length / 2 : 0;
    const callArgs = (states: readonly Tensor[] | undefined): CallArgs => ({ training: args.training, mask: args.mask ?? null, initialState: states });
    let y = this.forwardLayer.apply(x, callArgs(initial?.slice(0, half)));
    let yRev = this.backwardLayer.apply(x, callArgs(initial?.slice(half)));
    let states: Tensor[] = [];
    if (this.returnState) {
      const f = y as Tensor[];
      const b = yRev as Tensor[];
      states = [...f.slice(1), ...b.slice(1)];
      y = f[0];
      yRev = b[0];
    }
    const forward = y as Tensor;
    let backward = yRev as Tensor;
    if (this.returnSequences) backward = reverse(backward, 1);
    let output: Tensor | Tensor[];
    switch (this.mergeMode) {
      case 'concat':
        output = concat([forward, backward], -1);
        break;
      case 'sum':
        output = add(forward, backward);
        break;
      case 'ave':
        output = div(add(forward, backward), 2);
        break;
      case 'mul':
        output = mul(forward, backward);
        break;
      default:
        output = [forward, backward];
    }
    if (!this.returnState) return output;
    return Array.isArray(output) ? [...output, ...states] : [output, ...states];
  }

  override computeMask(_inputs: LayerInputs, mask: Tensor | null | readonly (Tensor | null)[]): Tensor | null | (Tensor | null)[] {
    const m = mask instanceof Tensor && this.returnSequences ? mask : null;
    const outputs = this.mergeMode === null ? [m, m] : [m];
    if (!this.returnState) return outputs.length === 1 ? outputs[0] : outputs;
    const stateCount = 2 * this.forwardLayer.cell.stateCount;
    return [...outputs, ...Array.from({ length: stateCount }, () => null)];
  }

  override computeOutputShape(inputShape: LayerShape): LayerShape | LayerShape[] {
    const single = (this.forwardLayer.computeOutputShape(inputShape) as LayerShape[] | LayerShape);
    const out = this.returnState ? (single as LayerShape[])[0] : (single as LayerShape);
    const units = out[out.length - 1];
    const merged: LayerShape[] =
      this.mergeMode === 'concat'
        ? [[...out.slice(0, -1), units === null ? null : units * 2]]
        : this.mergeMode === null
          ? [out, out]
          : [out];
    if (!this.returnState) return merged.length === 1 ? merged[0] : merged;
    const stateShapes = (single as LayerShape[]).slice(1);
    return [...merged, ...stateShapes, ...stateShapes];
  }

  override getConfig(): Config {
    return {
      ...super.getConfig(),
      merge_mode: this.mergeMode,
      layer: serializeLayer(this.forwardLayer),
      backward_layer: serializeLayer(this.backwardLayer),
    };
  }

  static override fromConfig<T extends Layer>(this: new (args: any) => T, config: Config): T {
    return new this({
      name: config.name,
      trainable: config.trainable,
      dtype: config.dtype,
      mergeMode: config.merge_mode === undefined ? 'concat' : config.merge_mode,
      layer: config.layer,
      backwardLayer: config.backward_layer ?? null,
    });
  }
}
