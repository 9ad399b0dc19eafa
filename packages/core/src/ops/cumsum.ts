import { assertDType } from '../dtype.js';
import { engine } from '../engine/engine.js';
import { ArgumentError } from '../errors.js';
import { normalizeAxis } from '../shape.js';
import type { Tensor, TensorLike } from '../tensor.js';
import { op, toTensor } from './convert.js';
import { defineOp } from './op.js';

export interface CumsumAttrs {
  /** Normalized (non-negative). */
  readonly axis: number;
  readonly exclusive: boolean;
  readonly reverse: boolean;
}

export const cumsumOp = defineOp<'cumsum', CumsumAttrs>({
  name: 'cumsum',
  kind: 'opaque',
  inputNames: ['x'],
  saves: { inputs: false },
  infer([x], { axis, exclusive, reverse }) {
    assertDType('cumsum', 'x', x.dtype, ['float32', 'int32']);
    if (x.shape.length === 0) throw new ArgumentError('cumsum: x must have rank 1 or more, got a scalar');
    normalizeAxis('cumsum', axis, x.shape.length);
    if (typeof exclusive !== 'boolean' || typeof reverse !== 'boolean') {
      throw new ArgumentError(`cumsum: exclusive and reverse must be booleans, got ${String(exclusive)} and ${String(reverse)}`);
    }
    return [{ shape: x.shape, dtype: x.dtype }];
  },
  // Each input feeds every output after it (before it, reversed), so the gradient is the cumulative
  // sum running the other way, with the same exclusivity.
  grad: ([dy], { attrs: { axis, exclusive, reverse } }) => [cumsum(dy, axis, exclusive, !reverse)],
});

/**
 * Running sum along `axis`; `exclusive` leaves out the current element, `reverse` runs from the end.
 * Corresponds to `tf.cumsum`.
 *
 * @example cumsum(tensor([1, 2, 3])) // [1, 3, 6]
 */
export const cumsum = op((x: TensorLike, axis = 0, exclusive = false, reverse = false): Tensor => {
  const t = toTensor('cumsum', 'x', x);
  return engine.run1(cumsumOp, [t], { axis: t.rank === 0 ? axis : normalizeAxis('cumsum', axis, t.rank), exclusive, reverse });
});
