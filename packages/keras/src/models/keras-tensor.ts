import type { DType } from '@tessera/core';
import { ArgumentError } from '@tessera/core';
import type { CallArgs, LayerShape } from '@tessera/layers';
import { InputLayer, Layer, formatLayerShape } from '@tessera/layers';

/**
 * A symbolic tensor of the functional API: a shape (batch `null`), a dtype, and the call that
 * produced it. It holds no data; calling a layer on it records a `LayerCall` instead of computing.
 * Keras's `KerasTensor`.
 */
export class KerasTensor {
  constructor(
    readonly shape: LayerShape,
    readonly dtype: DType,
    /** The layer call that produced it (for an `Input`, the InputLayer's call). */
    readonly producer: LayerCall,
    /** Which output of that call it is. */
    readonly outputIndex: number,
  ) {}

  get rank(): number {
    return this.shape.length;
  }

  get name(): string {
    const layer = this.producer.layer;
    return this.outputIndex === 0 ? layer.name : `${layer.name}_${this.outputIndex}`;
  }

  toString(): string {
    return `<KerasTensor shape=${formatLayerShape(this.shape)}, dtype=${this.dtype}, name=${this.name}>`;
  }
}

/** One call of a layer on symbolic inputs (Keras's `Node`). */
export class LayerCall {
  outputs: KerasTensor[] = [];
  constructor(
    readonly layer: Layer,
    /** The inputs as passed: one tensor or a list. */
    readonly inputs: KerasTensor | readonly KerasTensor[],
    readonly args: Omit<CallArgs, 'mask'>,
    /** Whether the layer returned a list (so the call's outputs are handed back as a list). */
    public returnsList = false,
  ) {}

  get inputList(): readonly KerasTensor[] {
    return Array.isArray(this.inputs) ? (this.inputs as readonly KerasTensor[]) : [this.inputs as KerasTensor];
  }
}

export interface InputOptions {
  /** The shape of one sample (no batch dimension); `null` for any size. */
  shape?: readonly (number | null)[];
  /** The full shape, batch first. */
  batchShape?: readonly (number | null)[];
  batchSize?: number;
  dtype?: DType;
  name?: string;
}

/**
 * The entry point of a functional model: a symbolic tensor of the given sample shape.
 *
 * @example
 * const x = Input({ shape: [784] });
 * const y = new Dense({ units: 10 }).apply(x);
 * const model = new Model({ inputs: x, outputs: y });
 *
 * Keras's `keras.Input`.
 */
export function Input(options: InputOptions): KerasTensor {
  if (options === null || typeof options !== 'object') {
    throw new ArgumentError(`Input: expected options with a shape, got ${String(options)}`);
  }
  const layer = new InputLayer({ shape: options.shape as number[] | undefined, batchShape: options.batchShape as number[] | undefined, batchSize: options.batchSize, name: options.name } as never);
  const dtype = options.dtype ?? 'float32';
  const call = new LayerCall(layer, [], {});
  call.outputs = [new KerasTensor(layer.batchShape, dtype, call, 0)];
  inputDTypes.set(layer, dtype);
  return call.outputs[0];
}

/** The dtype each functional input was declared with (InputLayer itself only knows float32). */
export const inputDTypes = new WeakMap<Layer, DType>();

export function isSymbolic(inputs: unknown): boolean {
  if (inputs instanceof KerasTensor) return true;
  return Array.isArray(inputs) && inputs.length > 0 && inputs.some((t) => t instanceof KerasTensor);
}

/**
 * Records a layer call on symbolic inputs: builds the layer for their shapes, infers the output
 * shapes with the layer's `computeOutputShape`, and returns symbolic outputs that remember the call.
 */
export function symbolicApply(layer: Layer, inputs: KerasTensor | readonly KerasTensor[], args: CallArgs): KerasTensor | KerasTensor[] {
  const list = Array.isArray(inputs) ? (inputs as readonly KerasTensor[]) : [inputs as KerasTensor];
  list.forEach((t, i) => {
    if (!(t instanceof KerasTensor)) {
      throw new ArgumentError(`${layer.name}: input ${i} mixes a concrete value into a functional call; every input must come from Input() or a layer call`);
    }
  });
  layer.assertInputCompatibility(list);
  const shapes = list.map((t) => t.shape);
  const shapeArg = Array.isArray(inputs) ? shapes : shapes[0];
  if (!layer.built) layer.build(shapeArg);
  const out = inferOutputShape(layer, shapeArg);
  const isList = out.length > 0 && Array.isArray(out[0]);
  const outShapes = (isList ? out : [out]) as LayerShape[];
  const { mask: _mask, ...rest } = args;
  const call = new LayerCall(layer, inputs, rest, isList);
  const dtype: DType = layer.className === 'Embedding' ? 'float32' : list[0].dtype === 'int32' && layer.className === 'InputLayer' ? 'int32' : 'float32';
  call.outputs = outShapes.map((s, i) => new KerasTensor(s, dtype, call, i));
  return isList ? call.outputs : call.outputs[0];
}

/**
 * A layer's output shape for an input shape: the layer's `computeOutputShape`, which for custom
 * layers is abstract evaluation in @tessera/layers (no kernels run, stateful weights untouched).
 */
export function inferOutputShape(layer: Layer, shapeArg: LayerShape | readonly LayerShape[]): LayerShape | LayerShape[] {
  return layer.computeOutputShape(shapeArg);
}
