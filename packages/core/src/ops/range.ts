import type { DType } from '../dtype.js';
import { assertDType, isDType } from '../dtype.js';
import { engine } from '../engine/engine.js';
import { ArgumentError, DTypeError } from '../errors.js';
import type { Tensor } from '../tensor.js';
import { op } from './convert.js';
import { defineOp } from './op.js';

export interface RangeAttrs {
  readonly start: number;
  readonly stop: number;
  readonly step: number;
  readonly dtype: DType;
}

/** How many values `start, start + step, ...` stay strictly before `stop`. */
export function rangeLength(start: number, stop: number, step: number): number {
  return Math.max(Math.ceil((stop - start) / step), 0);
}

export const rangeOp = defineOp<'range', RangeAttrs>({
  name: 'range',
  kind: 'creation',
  inputNames: [],
  saves: { inputs: false },
  infer(_inputs, { start, stop, step, dtype }) {
    for (const [name, value] of [['start', start], ['stop', stop], ['step', step]] as const) {
      if (typeof value !== 'number' || !Number.isFinite(value)) {
        throw new ArgumentError(`range: ${name} must be a finite number, got ${String(value)}`);
      }
    }
    if (step === 0) throw new ArgumentError('range: step must not be 0');
    if (!isDType(dtype)) throw new DTypeError(`range: dtype must be float32 or int32, got ${String(dtype)}`);
    assertDType('range', 'dtype', dtype, ['float32', 'int32']);
    return [{ shape: [rangeLength(start, stop, step)], dtype }];
  },
  grad: 'none',
});

/**
 * The values `start, start + step, ...` strictly before `stop`, each computed as `start + i * step`
 * and rounded to `dtype`. Corresponds to `tf.range`.
 *
 * @example range(0, 5, 2) // [0, 2, 4]
 */
export const range = op((start: number, stop: number, step = 1, dtype: DType = 'float32'): Tensor =>
  engine.run1(rangeOp, [], { start, stop, step, dtype }),
);
