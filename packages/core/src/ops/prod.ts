import { engine } from '../engine/engine.js';
import type { Tensor, TensorLike } from '../tensor.js';
import { assertDType } from '../dtype.js';
import { normalizeAxes, reducedShape, sizeOf } from '../shape.js';
import { broadcastTo } from './broadcast-to.js';
import { cast } from './cast.js';
import { op, toTensor } from './convert.js';
import { mul } from './mul.js';
import { defineOp } from './op.js';
import { pad } from './pad.js';
import { reshape } from './reshape.js';
import { reverse } from './reverse.js';
import { slice } from './slice.js';
import type { ReduceAttrs } from './sum.js';
import { inversePermutation, transpose } from './transpose.js';

/**
 * The product of the elements before each one along axis 1 of a matrix (1 for the first), as a
 * log-depth scan of shifted products. Built from slice, pad and mul so it differentiates again.
 */
function exclusiveCumprod(rows: Tensor): Tensor {
  const [m, n] = rows.shape;
  let acc = pad(slice(rows, [0, 0], [m, n - 1]), [[0, 0], [1, 0]], 1);
  for (let shift = 1; shift < n; shift *= 2) {
    acc = mul(acc, pad(slice(acc, [0, 0], [m, n - shift]), [[0, 0], [shift, 0]], 1));
  }
  return acc;
}

export const prodOp = defineOp<'prod', ReduceAttrs>({
  name: 'prod',
  kind: 'reduction',
  inputNames: ['x'],
  infer([x], { axes, keepDims }) {
    assertDType('prod', 'x', x.dtype, ['float32', 'int32']);
    return [{ shape: reducedShape(x.shape, axes, keepDims), dtype: x.dtype }];
  },
  // The product of all the *other* elements, from prefix and suffix products rather than y / x,
  // so zeros in the input get the right gradient (TensorFlow's approach).
  grad: ([dy], { inputs: [x], attrs: { axes } }) => {
    const kept = reducedShape(x.shape, axes, true);
    if (x.size === 0) return [broadcastTo(reshape(dy, kept), x.shape)];
    const keptAxes = x.shape.map((_, i) => i).filter((i) => !axes.includes(i));
    const perm = [...keptAxes, ...axes];
    const outer = sizeOf(keptAxes.map((a) => x.shape[a]));
    const rows = reshape(transpose(x, perm), [outer, x.size / outer]);
    const before = exclusiveCumprod(rows);
    const after = reverse(exclusiveCumprod(reverse(rows, 1)), 1);
    const dRows = mul(mul(before, after), reshape(dy, [outer, 1]));
    return [transpose(reshape(dRows, perm.map((a) => x.shape[a])), inversePermutation(perm))];
  },
});

/**
 * Multiplies the elements over `axis` (all axes when omitted); an empty product is 1. Bool inputs
 * count as int32. Corresponds to `tf.prod` / `tf.reduce_prod`.
 *
 * @example prod(tensor([[1, 2], [3, 4]]), 1) // [2, 12]
 */
export const prod = op((x: TensorLike, axis?: number | readonly number[], keepDims = false): Tensor => {
  let t = toTensor('prod', 'x', x);
  if (t.dtype === 'bool') t = cast(t, 'int32');
  return engine.run1(prodOp, [t], { axes: normalizeAxes('prod', axis, t.rank), keepDims });
});
