import { ArgumentError } from '@tessera/core';
import type { Layer } from './layer.js';
import { type Config, type SerializedObject, isSerializedObject, serializeObject } from './serialization.js';
import * as catalogue from './layers/index.js';

/** A layer class as the registry stores it: constructible from a Keras config. */
export interface LayerClass {
  readonly className: string;
  fromConfig(config: Config): Layer;
}

const customLayers = new Map<string, LayerClass>();
let builtins: Map<string, LayerClass> | null = null;

/** The catalogue's classes, gathered on first use (wrappers import this module, so not at load time). */
function builtinLayers(): Map<string, LayerClass> {
  if (builtins === null) {
    builtins = new Map();
    for (const value of Object.values(catalogue)) {
      const cls = value as unknown as Partial<LayerClass>;
      // Only classes that declare their own Keras name: abstract bases (RNN) inherit one and are skipped.
      const named = typeof value === 'function' && Object.prototype.hasOwnProperty.call(value, 'className');
      if (named && typeof cls.className === 'string' && typeof cls.fromConfig === 'function') {
        builtins.set(cls.className, cls as LayerClass);
      }
    }
  }
  return builtins;
}

/**
 * Registers a custom layer class so that `deserializeLayer` can rebuild it by class name.
 * Corresponds to `keras.saving.register_keras_serializable`.
 *
 * @example class MyLayer extends Layer { static override className = 'MyLayer'; ... } registerLayer(MyLayer);
 */
export function registerLayer(cls: LayerClass): void {
  if (typeof cls?.className !== 'string' || cls.className === 'Layer') {
    throw new ArgumentError('registerLayer: the class needs its own static className (the Keras class name)');
  }
  customLayers.set(cls.className, cls);
}

/** The registered class for a Keras class name, or undefined. */
export function getLayerClass(className: string): LayerClass | undefined {
  return customLayers.get(className) ?? builtinLayers().get(className);
}

/** Every class name `deserializeLayer` knows. */
export function registeredLayerNames(): string[] {
  return [...new Set([...builtinLayers().keys(), ...customLayers.keys()])].sort();
}

/**
 * Rebuilds a layer from Keras's serialized form `{class_name, config}` (extra fields such as
 * `module`, `registered_name`, `build_config` are ignored). `keras.layers.deserialize`.
 */
export function deserializeLayer(serialized: SerializedObject | { class_name: string; config: Config }): Layer {
  if (!isSerializedObject(serialized)) {
    throw new ArgumentError(`deserializeLayer: expected {class_name, config}, got ${JSON.stringify(serialized)}`);
  }
  const cls = getLayerClass(serialized.class_name);
  if (cls === undefined) {
    throw new ArgumentError(`deserializeLayer: unknown layer class '${serialized.class_name}'; register custom layers with registerLayer`);
  }
  return cls.fromConfig(serialized.config ?? {});
}

/** A layer in Keras's serialized form. `keras.layers.serialize`. */
export function serializeLayer(layer: Layer): SerializedObject {
  return serializeObject('keras.layers', layer.className, layer.getConfig());
}
