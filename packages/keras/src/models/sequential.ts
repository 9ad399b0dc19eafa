import type { Tensor } from '@tessera/core';
import { ArgumentError, ShapeError } from '@tessera/core';
import type { CallArgs, LayerArgs, LayerInputs, LayerOutputs, LayerShape } from '@tessera/layers';
import { InputLayer, Layer, formatLayerShape } from '@tessera/layers';
import type { InputExpectation } from './data.js';
import { KerasTensor, inferOutputShape } from './keras-tensor.js';
import { Model } from './model.js';
import { sequentialConfig } from './model-config.js';

export interface SequentialArgs extends LayerArgs {
  layers?: readonly (Layer | KerasTensor)[];
}

/**
 * A plain stack of layers, each feeding the next. With an input shape (an `InputLayer`, `Input()`,
 * or `inputShape` on the first layer) it builds at once; without, on the first data it sees.
 * `keras.Sequential`: the layers come as Keras's first argument (`new Sequential([...])`) or, as in
 * TensorFlow.js, as `layers` among the arguments.
 *
 * @example
 * const model = new Sequential([new Dense({ units: 32, activation: 'relu', inputShape: [784] }), new Dense({ units: 10 })]);
 */
export class Sequential extends Model {
  static override className = 'Sequential';
  private readonly stack: Layer[] = [];
  private batchShape: LayerShape | null = null;
  /** Each layer's output shape, known once the model is built. */
  layerOutputShapes = new Map<Layer, LayerShape>();

  constructor(layersOrArgs: readonly (Layer | KerasTensor)[] | SequentialArgs = {}, args: Omit<SequentialArgs, 'layers'> = {}) {
    const { layers, ...rest }: SequentialArgs = Array.isArray(layersOrArgs)
      ? { ...args, layers: layersOrArgs as readonly (Layer | KerasTensor)[] }
      : (layersOrArgs as SequentialArgs);
    super(rest);
    for (const layer of layers ?? []) this.add(layer);
  }

  override get className(): string {
    return 'Sequential';
  }

  override get layers(): Layer[] {
    return [...this.stack];
  }

  /** Appends a layer (or sets the input shape with an `Input()`/`InputLayer`). `model.add`. */
  add(layer: Layer | KerasTensor): void {
    if (layer instanceof KerasTensor) {
      if (!(layer.producer.layer instanceof InputLayer)) throw new ArgumentError(`${this.name}.add: only an Input() tensor can be added, got the output of '${layer.producer.layer.name}'`);
      layer = layer.producer.layer;
    }
    if (!(layer instanceof Layer)) throw new ArgumentError(`${this.name}.add: expected a Layer, got ${layer === null ? 'null' : typeof layer}`);
    if (layer instanceof InputLayer) {
      if (this.stack.length > 0 || this.batchShape) throw new ArgumentError(`${this.name}.add: an InputLayer must come first`);
      this.batchShape = layer.batchShape;
      this.rebuild();
      return;
    }
    if (this.stack.length === 0 && !this.batchShape && layer.batchInputShape) this.batchShape = layer.batchInputShape;
    this.stack.push(layer);
    this.rebuild();
  }

  /** Removes the last layer. `model.pop`. */
  pop(): Layer {
    const layer = this.stack.pop();
    if (!layer) throw new ArgumentError(`${this.name}.pop: the model has no layers`);
    this.rebuild();
    return layer;
  }

  private rebuild(): void {
    this.layerOutputShapes = new Map();
    this.built = false;
    if (this.batchShape) this.build(this.batchShape);
  }

  /** Builds every layer for an input shape (batch first, `null` for unknown) without running anything. */
  override build(inputShape: LayerShape | readonly LayerShape[]): void {
    const shape = (inputShape.length > 0 && Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as LayerShape;
    // A concrete batch size means the first real call is building the model (Layer.apply does that):
    // call() then builds each layer on the real data instead of inferring shapes.
    if (shape[0] !== null && shape.length > 0) return;
    let current: LayerShape = shape;
    const shapes = new Map<Layer, LayerShape>();
    for (const layer of this.stack) {
      try {
        layer.assertInputCompatibility([{ shape: current }]);
        if (!layer.built) layer.build(current);
        const out = inferOutputShape(layer, current);
        if (out.length > 0 && Array.isArray(out[0])) throw new ArgumentError(`${this.name}: layer '${layer.name}' returns several outputs; Sequential layers must return one tensor`);
        current = out as LayerShape;
        shapes.set(layer, current);
      } catch (e) {
        if (e instanceof Error) e.message = `${this.name}: while building layer '${layer.name}' for input shape ${formatLayerShape(shape)}: ${e.message}`;
        throw e;
      }
    }
    this.layerOutputShapes = shapes;
    this.batchShape = [null, ...shape.slice(1)];
    this.inputSpec = { shape: this.batchShape };
    this.built = this.stack.length > 0;
  }

  override expectedInputs(): InputExpectation[] | undefined {
    return this.batchShape ? [{ name: this.stack[0]?.name ?? this.name, shape: this.batchShape, dtype: 'float32' }] : undefined;
  }

  protected override outputLayers(): (Layer | undefined)[] {
    return [this.stack[this.stack.length - 1]];
  }

  override get outputNames(): string[] {
    const last = this.stack[this.stack.length - 1];
    return [last ? last.name : 'output'];
  }

  override call(inputs: LayerInputs, args: CallArgs = {}): LayerOutputs {
    if (this.stack.length === 0) throw new ArgumentError(`${this.name}: the model has no layers; add some before calling it`);
    let x = inputs;
    if (Array.isArray(x)) {
      if (x.length !== 1) throw new ArgumentError(`${this.name}: a Sequential model takes one input, got ${x.length}`);
      x = x[0];
    }
    const t = x as Tensor;
    if (this.batchShape && this.layerOutputShapes.size === this.stack.length) {
      for (const layer of this.stack) x = layer.apply(x, { training: args.training });
      return x as LayerOutputs;
    }
    // Built on the first data it sees: each layer builds on its real input, and the shapes are recorded.
    if (t.rank === 0) throw new ShapeError(`${this.name}: input must have a batch dimension, got a scalar`);
    const shapes = new Map<Layer, LayerShape>();
    for (const layer of this.stack) {
      x = layer.apply(x, { training: args.training });
      if (Array.isArray(x)) throw new ArgumentError(`${this.name}: layer '${layer.name}' returns several outputs; Sequential layers must return one tensor`);
      shapes.set(layer, [null, ...(x as Tensor).shape.slice(1)]);
    }
    this.layerOutputShapes = shapes;
    this.batchShape = [null, ...t.shape.slice(1)];
    this.inputSpec = { shape: this.batchShape };
    this.built = true;
    return x as LayerOutputs;
  }

  override toConfig(): Record<string, unknown> {
    return sequentialConfig(this.name, this.trainable, this.stack, this.batchShape ?? undefined);
  }
}
