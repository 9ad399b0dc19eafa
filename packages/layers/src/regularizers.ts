import { ArgumentError, abs, add, mul, square, sum, type Tensor } from '@tessera/core';
import { type Config, type SerializedObject, isSerializedObject, serializeObject } from './serialization.js';

/**
 * A penalty on a weight, added to the loss: `l1·Σ|w| + l2·Σw²`. Corresponds to
 * `keras.regularizers.L1L2` (and L1, L2).
 */
export class Regularizer {
  readonly className: string;
  readonly l1: number;
  readonly l2: number;

  constructor(options: { l1?: number; l2?: number } = {}, className = 'L1L2') {
    this.className = className;
    this.l1 = options.l1 ?? 0;
    this.l2 = options.l2 ?? 0;
    for (const [arg, value] of [['l1', this.l1], ['l2', this.l2]] as const) {
      if (typeof value !== 'number' || !(value >= 0)) throw new ArgumentError(`${className}: ${arg} must be a non-negative number, got ${JSON.stringify(value)}`);
    }
  }

  /** The penalty of `x`, a scalar. */
  call(x: Tensor): Tensor {
    let penalty: Tensor | undefined;
    if (this.l1 > 0) penalty = mul(sum(abs(x)), this.l1);
    if (this.l2 > 0) {
      const l2 = mul(sum(square(x)), this.l2);
      penalty = penalty === undefined ? l2 : add(penalty, l2);
    }
    return penalty ?? mul(sum(x), 0);
  }

  getConfig(): Config {
    if (this.className === 'L1') return { l1: this.l1 };
    if (this.className === 'L2') return { l2: this.l2 };
    return { l1: this.l1, l2: this.l2 };
  }
}

/** `l1·Σ|w|`. Keras `L1` (default 0.01). */
export function l1(value = 0.01): Regularizer {
  return new Regularizer({ l1: value }, 'L1');
}

/** `l2·Σw²`. Keras `L2` (default 0.01). */
export function l2(value = 0.01): Regularizer {
  return new Regularizer({ l2: value }, 'L2');
}

/** Both penalties. Keras `L1L2` (defaults 0). */
export function l1l2(options: { l1?: number; l2?: number } = {}): Regularizer {
  return new Regularizer({ l1: options.l1 ?? 0, l2: options.l2 ?? 0 }, 'L1L2');
}

export type RegularizerIdentifier = Regularizer | string | SerializedObject | null | undefined;

/** Resolves `'l1'`, `'l2'`, `'l1_l2'`, a serialized config, or an instance. `keras.regularizers.get`. */
export function getRegularizer(identifier: RegularizerIdentifier, context = 'regularizer'): Regularizer | null {
  if (identifier === null || identifier === undefined) return null;
  if (identifier instanceof Regularizer) return identifier;
  if (typeof identifier === 'string') {
    const name = identifier.toLowerCase();
    if (name === 'l1') return l1();
    if (name === 'l2') return l2();
    if (name === 'l1_l2' || name === 'l1l2') return l1l2({ l1: 0.01, l2: 0.01 });
  } else if (isSerializedObject(identifier)) {
    const config = identifier.config as { l1?: number; l2?: number };
    if (identifier.class_name === 'L1') return l1(config.l1);
    if (identifier.class_name === 'L2') return l2(config.l2);
    if (identifier.class_name === 'L1L2') return l1l2(config);
  }
  throw new ArgumentError(`${context}: unknown regularizer ${JSON.stringify(identifier)}; known: 'l1', 'l2', 'l1_l2', L1/L2/L1L2 configs`);
}

export function serializeRegularizer(regularizer: Regularizer | null): SerializedObject | null {
  return regularizer === null ? null : serializeObject('keras.regularizers', regularizer.className, regularizer.getConfig());
}
