import { ArgumentError } from '@tessera/core';

/** A JSON value as Keras configs hold them. */
export type ConfigValue = null | boolean | number | string | ConfigValue[] | { [key: string]: ConfigValue | undefined };

/** A layer's or component's config: Keras's snake_case keys. */
export type Config = { [key: string]: ConfigValue | undefined };

/** How Keras writes an object inside another's config: `{module, class_name, config, registered_name}`. */
export interface SerializedObject {
  module?: string | null;
  class_name: string;
  config: Config;
  registered_name?: string | null;
  build_config?: Config;
  [key: string]: ConfigValue | undefined;
}

export function isSerializedObject(value: unknown): value is SerializedObject {
  return typeof value === 'object' && value !== null && typeof (value as { class_name?: unknown }).class_name === 'string';
}

/** Wraps a class name and config the way `keras.saving.serialize_keras_object` does. */
export function serializeObject(module: string, className: string, config: Config): SerializedObject {
  return { module, class_name: className, config, registered_name: null };
}

/** `kernel_initializer` → `kernelInitializer`: Keras config keys to Tessera's option names. */
export function snakeToCamel(key: string): string {
  return key.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/**
 * A Keras config as constructor options: keys camelCased, Keras's bookkeeping fields dropped.
 * Unknown keys are kept (camelCased); each layer's constructor reads what it knows and ignores the
 * rest, so configs written by newer Keras versions still load.
 */
export function configToOptions(config: Config): Record<string, unknown> {
  const options: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(config)) {
    if (key === 'module' || key === 'registered_name' || key === 'build_config') continue;
    options[snakeToCamel(key)] = value;
  }
  return options;
}

/** Keras 3 writes a layer's dtype as a DTypePolicy object; older files write the name. */
export function dtypePolicy(dtype: string): SerializedObject {
  return serializeObject('keras', 'DTypePolicy', { name: dtype });
}

/** Reads a dtype given as a name or a serialized DTypePolicy. Only float32 layers exist so far. */
export function readDType(layerName: string, value: unknown): 'float32' {
  const name = isSerializedObject(value) ? value.config.name : (value ?? 'float32');
  if (name !== 'float32') {
    throw new ArgumentError(`${layerName}: dtype must be 'float32' (the only layer dtype Tessera supports yet), got ${JSON.stringify(name)}`);
  }
  return 'float32';
}

/** Normalizes an int-or-tuple argument (Keras's `standardize_tuple`) and checks it. */
export function toTuple(layerName: string, arg: string, value: unknown, n: number, allowZero = false): number[] {
  const tuple = typeof value === 'number' ? new Array<number>(n).fill(value) : value;
  const ok =
    Array.isArray(tuple) &&
    tuple.length === n &&
    tuple.every((v) => Number.isInteger(v) && (allowZero ? v >= 0 : v >= 1));
  if (!ok) {
    const what = allowZero ? 'non-negative' : 'positive';
    throw new ArgumentError(`${layerName}: ${arg} must be a ${what} integer or ${n} of them, got ${JSON.stringify(value)}`);
  }
  return [...(tuple as number[])];
}

/** Checks one of a fixed set of string options. */
export function oneOf<T extends string>(layerName: string, arg: string, value: unknown, allowed: readonly T[]): T {
  if (typeof value === 'string' && (allowed as readonly string[]).includes(value.toLowerCase())) return value.toLowerCase() as T;
  throw new ArgumentError(`${layerName}: ${arg} must be one of ${allowed.map((a) => `'${a}'`).join(', ')}, got ${JSON.stringify(value)}`);
}

/** Checks a number argument, optionally within bounds. */
export function numberArg(layerName: string, arg: string, value: unknown, check: (v: number) => boolean = () => true, expected = 'a number'): number {
  if (typeof value !== 'number' || Number.isNaN(value) || !check(value)) {
    throw new ArgumentError(`${layerName}: ${arg} must be ${expected}, got ${JSON.stringify(value)}`);
  }
  return value;
}

/** Checks a positive integer argument. */
export function positiveInt(layerName: string, arg: string, value: unknown): number {
  return numberArg(layerName, arg, value, (v) => Number.isInteger(v) && v >= 1, 'a positive integer');
}

/** Only channels_last is supported; Keras's default. */
export function channelsLast(layerName: string, value: unknown): 'channels_last' {
  if (value === undefined || value === null || value === 'channels_last') return 'channels_last';
  throw new ArgumentError(`${layerName}: data_format must be 'channels_last' (channels_first is not supported yet), got ${JSON.stringify(value)}`);
}
