import type { Tensor, TensorLike } from '../tensor.js';
import { op } from './convert.js';
import { applyBinary, binaryOp } from './elementwise.js';

export const floorDivOp = binaryOp({
  name: 'floorDiv',
  formula: {
    float32: (a, b) => Math.floor(a / b),
    // The double quotient of two int32s is never rounded across an integer, so its floor is exact.
    // Division by zero gives 0 rather than trapping, as TensorFlow's integer kernels do.
    int32: (a, b) => (b === 0 ? 0 : Math.floor(a / b)),
  },
  saves: { inputs: false },
  grad: 'none',
});

/**
 * Elementwise `floor(a / b)` with broadcasting, keeping the operands' dtype; int32 division by
 * zero gives 0. Carries no gradient. Corresponds to `tf.floorDiv`.
 *
 * @example floorDiv(tensor([7, -7], undefined, 'int32'), 2) // [3, -4]
 */
export const floorDiv = op((a: TensorLike, b: TensorLike): Tensor => applyBinary(floorDivOp, a, b));
