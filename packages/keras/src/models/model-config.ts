import { ArgumentError } from '@tessera/core';
import type { Layer, LayerShape } from '@tessera/layers';
import { InputLayer, serializeLayer } from '@tessera/layers';
import type { KerasTensor, LayerCall } from './keras-tensor.js';

/** An error in a model file or config: names what is wrong and where. */
export class ModelFormatError extends ArgumentError {}

const dtypePolicy = { module: 'keras', class_name: 'DTypePolicy', config: { name: 'float32' }, registered_name: null };

/** What a functional model's config is written from. */
export interface FunctionalParts {
  name: string;
  trainable: boolean;
  calls: readonly LayerCall[];
  inputs: readonly KerasTensor[];
  outputs: readonly KerasTensor[];
  layers: readonly Layer[];
}

/** Keras's config of a Sequential model: its layers, an InputLayer first when the input shape is known. */
export function sequentialConfig(name: string, trainable: boolean, layers: readonly Layer[], batchShape: LayerShape | undefined): Record<string, unknown> {
  const entries: unknown[] = [];
  if (batchShape) entries.push(serializeLayer(new InputLayer({ batchShape: [...batchShape], name: `${name}_input` } as never)));
  for (const layer of layers) entries.push(serializeLayer(layer));
  return {
    module: 'keras',
    class_name: 'Sequential',
    config: { name, trainable, dtype: dtypePolicy, layers: entries, ...(batchShape ? { build_input_shape: [...batchShape] } : {}) },
    registered_name: null,
    ...(batchShape ? { build_config: { input_shape: [...batchShape] } } : {}),
  };
}

/** Keras's config of a functional model: each layer with its inbound nodes, and the input and output references. */
export function functionalConfig(parts: FunctionalParts): Record<string, unknown> {
  const nodeIndex = (call: LayerCall) => (call.layer instanceof InputLayer ? 0 : Math.max(0, parts.calls.filter((c) => c.layer === call.layer).indexOf(call)));
  const ref = (t: KerasTensor) => [t.producer.layer.name, nodeIndex(t.producer), t.outputIndex];
  const tensorRef = (t: KerasTensor) => ({ class_name: '__keras_tensor__', config: { shape: [...t.shape], dtype: t.dtype, keras_history: ref(t) } });
  const layers = parts.layers.map((layer) => ({
    ...serializeLayer(layer),
    name: layer.name,
    inbound_nodes: parts.calls
      .filter((c) => c.layer === layer)
      .map((c) => ({
        args: [Array.isArray(c.inputs) ? c.inputList.map(tensorRef) : tensorRef(c.inputs as KerasTensor)],
        kwargs: c.args.training === undefined ? {} : { training: c.args.training },
      })),
  }));
  return {
    module: 'keras.src.models.functional',
    class_name: 'Functional',
    config: { name: parts.name, trainable: parts.trainable, layers, input_layers: parts.inputs.map(ref), output_layers: parts.outputs.map(ref) },
    registered_name: null,
  };
}
