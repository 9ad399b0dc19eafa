import type { DType } from '../dtype.js';
import { broadcastTo } from '../ops/broadcast-to.js';
import { op, scalar } from '../ops/convert.js';
import type { Tensor } from '../tensor.js';

/**
 * A tensor of `shape` filled with `value`. Corresponds to `tf.fill`.
 *
 * @example fill([2, 2], 7) // [[7, 7], [7, 7]]
 */
export const fill = op((shape: readonly number[], value: number | boolean, dtype?: DType): Tensor =>
  broadcastTo(scalar(value, dtype), shape),
);

/** A tensor of zeros. `tf.zeros`. @example zeros([2, 3]) */
export const zeros = op((shape: readonly number[], dtype: DType = 'float32'): Tensor => fill(shape, 0, dtype));

/** A tensor of ones. `tf.ones`. @example ones([2, 3], 'int32') */
export const ones = op((shape: readonly number[], dtype: DType = 'float32'): Tensor => fill(shape, 1, dtype));

/** Zeros with `x`'s shape and dtype. `tf.zerosLike`. */
export const zerosLike = op((x: Tensor): Tensor => zeros(x.shape, x.dtype));

/** Ones with `x`'s shape and dtype. `tf.onesLike`. */
export const onesLike = op((x: Tensor): Tensor => ones(x.shape, x.dtype));
