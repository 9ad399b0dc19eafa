import {
  ArgumentError,
  add,
  cast,
  clipByValue,
  div,
  greaterEqual,
  mul,
  sqrt,
  square,
  sum,
  type Tensor,
} from '@tessera/core';
import { type Config, type SerializedObject, isSerializedObject, serializeObject } from './serialization.js';

/** Keras's `backend.epsilon()`, which its norm constraints add to the norm. */
const EPSILON = 1e-7;

/**
 * A projection applied to a weight after each optimizer update. Corresponds to
 * `keras.constraints.Constraint`.
 */
export abstract class Constraint {
  abstract readonly className: string;
  abstract call(w: Tensor): Tensor;
  getConfig(): Config {
    return {};
  }
}

function axisNorms(w: Tensor, axis: number | number[]): Tensor {
  return sqrt(sum(square(w), axis, true));
}

/** Rescales each slice along `axis` whose norm exceeds `maxValue`. Keras `MaxNorm` (2, axis 0). */
export class MaxNorm extends Constraint {
  readonly className = 'MaxNorm';
  readonly maxValue: number;
  readonly axis: number | number[];
  constructor(options: { maxValue?: number; axis?: number | number[] } = {}) {
    super();
    this.maxValue = options.maxValue ?? 2;
    this.axis = options.axis ?? 0;
  }
  call(w: Tensor): Tensor {
    const norms = axisNorms(w, this.axis);
    return mul(w, div(clipByValue(norms, 0, this.maxValue), add(norms, EPSILON)));
  }
  override getConfig(): Config {
    return { max_value: this.maxValue, axis: this.axis };
  }
}

/** Zeroes negative entries. Keras `NonNeg`. */
export class NonNeg extends Constraint {
  readonly className = 'NonNeg';
  call(w: Tensor): Tensor {
    return mul(w, cast(greaterEqual(w, 0), 'float32'));
  }
}

/** Divides each slice along `axis` by its norm. Keras `UnitNorm` (axis 0). */
export class UnitNorm extends Constraint {
  readonly className = 'UnitNorm';
  readonly axis: number | number[];
  constructor(options: { axis?: number | number[] } = {}) {
    super();
    this.axis = options.axis ?? 0;
  }
  call(w: Tensor): Tensor {
    return div(w, add(axisNorms(w, this.axis), EPSILON));
  }
  override getConfig(): Config {
    return { axis: this.axis };
  }
}

/**
 * Moves each slice's norm towards `[minValue, maxValue]` at `rate` (1 projects fully). Keras
 * `MinMaxNorm` (0, 1, rate 1, axis 0).
 */
export class MinMaxNorm extends Constraint {
  readonly className = 'MinMaxNorm';
  readonly minValue: number;
  readonly maxValue: number;
  readonly rate: number;
  readonly axis: number | number[];
  constructor(options: { minValue?: number; maxValue?: number; rate?: number; axis?: number | number[] } = {}) {
    super();
    this.minValue = options.minValue ?? 0;
    this.maxValue = options.maxValue ?? 1;
    this.rate = options.rate ?? 1;
    this.axis = options.axis ?? 0;
    if (!(this.minValue <= this.maxValue)) {
      throw new ArgumentError(`MinMaxNorm: min_value must not exceed max_value, got ${this.minValue} and ${this.maxValue}`);
    }
  }
  call(w: Tensor): Tensor {
    const norms = axisNorms(w, this.axis);
    const desired = add(mul(clipByValue(norms, this.minValue, this.maxValue), this.rate), mul(norms, 1 - this.rate));
    return mul(w, div(desired, add(norms, EPSILON)));
  }
  override getConfig(): Config {
    return { min_value: this.minValue, max_value: this.maxValue, rate: this.rate, axis: this.axis };
  }
}

export type ConstraintIdentifier = Constraint | string | SerializedObject | null | undefined;

const aliases: Record<string, () => Constraint> = {
  max_norm: () => new MaxNorm(),
  non_neg: () => new NonNeg(),
  unit_norm: () => new UnitNorm(),
  min_max_norm: () => new MinMaxNorm(),
};

/** Resolves `'max_norm'`, `'non_neg'`, `'unit_norm'`, `'min_max_norm'`, a config or an instance. `keras.constraints.get`. */
export function getConstraint(identifier: ConstraintIdentifier, context = 'constraint'): Constraint | null {
  if (identifier === null || identifier === undefined) return null;
  if (identifier instanceof Constraint) return identifier;
  if (typeof identifier === 'string' && aliases[identifier]) return aliases[identifier]();
  if (isSerializedObject(identifier)) {
    const c = identifier.config as Record<string, any>;
    switch (identifier.class_name) {
      case 'MaxNorm':
        return new MaxNorm({ maxValue: c.max_value, axis: c.axis });
      case 'NonNeg':
        return new NonNeg();
      case 'UnitNorm':
        return new UnitNorm({ axis: c.axis });
      case 'MinMaxNorm':
        return new MinMaxNorm({ minValue: c.min_value, maxValue: c.max_value, rate: c.rate, axis: c.axis });
    }
  }
  throw new ArgumentError(`${context}: unknown constraint ${JSON.stringify(identifier)}; known: ${Object.keys(aliases).join(', ')}`);
}

export function serializeConstraint(constraint: Constraint | null): SerializedObject | null {
  return constraint === null ? null : serializeObject('keras.constraints', constraint.className, constraint.getConfig());
}
