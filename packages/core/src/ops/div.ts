import type { Tensor, TensorLike } from '../tensor.js';
import { op } from './convert.js';
import { applyBinary, binaryOp, unbroadcast } from './elementwise.js';
import { mul } from './mul.js';
import { neg } from './neg.js';
import { square } from './square.js';

export const divOp = binaryOp({
  name: 'div',
  formula: { float32: (a, b) => a / b },
  grad: ([dy], { inputs: [a, b] }) => [
    unbroadcast(div(dy, b), a.shape),
    unbroadcast(neg(div(mul(dy, a), square(b))), b.shape),
  ],
});

/**
 * Elementwise true division `a / b` with broadcasting; int32 and bool operands are promoted to
 * float32 first (use `floorDiv` for integer division). Corresponds to `tf.div`.
 *
 * @example div(tensor([1, 3], undefined, 'int32'), 2) // float32 [0.5, 1.5]
 */
export const div = op((a: TensorLike, b: TensorLike): Tensor => applyBinary(divOp, a, b, 'float32'));
