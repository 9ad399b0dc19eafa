import { assertDType } from '../dtype.js';
import { engine } from '../engine/engine.js';
import { ArgumentError, DTypeError, ShapeError, formatShape } from '../errors.js';
import { broadcastShapes } from '../shape.js';
import type { Tensor, TensorLike } from '../tensor.js';
import { op } from './convert.js';
import { binaryOperands, unbroadcast } from './elementwise.js';
import { defineOp } from './op.js';

export interface MatMulAttrs {
  readonly transposeA: boolean;
  readonly transposeB: boolean;
}

export const matMulOp = defineOp<'matMul', MatMulAttrs>({
  name: 'matMul',
  kind: 'contraction',
  inputNames: ['a', 'b'],
  infer([a, b], { transposeA, transposeB }) {
    if (a.dtype !== b.dtype) throw new DTypeError(`matMul: a and b must have the same dtype, got ${a.dtype} and ${b.dtype}`);
    assertDType('matMul', 'a', a.dtype, ['float32', 'int32']);
    if (a.shape.length < 2 || b.shape.length < 2) {
      const [arg, shape] = a.shape.length < 2 ? ['a', a.shape] : ['b', b.shape];
      throw new ShapeError(`matMul: ${arg} must have rank 2 or more, got shape ${formatShape(shape)}`);
    }
    const ra = a.shape.length;
    const rb = b.shape.length;
    const [m, kA] = transposeA ? [a.shape[ra - 1], a.shape[ra - 2]] : [a.shape[ra - 2], a.shape[ra - 1]];
    const [kB, n] = transposeB ? [b.shape[rb - 1], b.shape[rb - 2]] : [b.shape[rb - 2], b.shape[rb - 1]];
    if (kA !== kB) {
      const flags = transposeA || transposeB ? ` (transposeA ${transposeA}, transposeB ${transposeB})` : '';
      throw new ShapeError(`matMul: inner dimensions differ: a is ${formatShape(a.shape)}, b is ${formatShape(b.shape)}${flags}`);
    }
    const batch = broadcastShapes('matMul', a.shape.slice(0, -2), b.shape.slice(0, -2));
    return [{ shape: [...batch, m, n], dtype: a.dtype }];
  },
  // The four transpose cases of d(A·B): each input's gradient is again one matMul, summed over the
  // batch dimensions that broadcasting repeated.
  grad: ([dy], { inputs: [a, b], attrs: { transposeA, transposeB } }) => {
    let da: Tensor;
    let db: Tensor;
    if (!transposeA && !transposeB) {
      da = matMul(dy, b, false, true);
      db = matMul(a, dy, true, false);
    } else if (!transposeA && transposeB) {
      da = matMul(dy, b, false, false);
      db = matMul(dy, a, true, false);
    } else if (transposeA && !transposeB) {
      da = matMul(b, dy, false, true);
      db = matMul(a, dy, false, false);
    } else {
      da = matMul(b, dy, true, true);
      db = matMul(dy, a, true, true);
    }
    return [unbroadcast(da, a.shape), unbroadcast(db, b.shape)];
  },
});

/**
 * Matrix product over the last two axes, broadcasting the leading (batch) axes as NumPy's `matmul`
 * does; either operand may be transposed first. Corresponds to `tf.matMul`.
 *
 * @example matMul(tensor([[1, 2]]), tensor([[3], [4]])) // [[11]]
 */
export const matMul = op((a: TensorLike, b: TensorLike, transposeA = false, transposeB = false): Tensor => {
  if (typeof transposeA !== 'boolean' || typeof transposeB !== 'boolean') {
    throw new ArgumentError(`matMul: transposeA and transposeB must be booleans, got ${String(transposeA)} and ${String(transposeB)}`);
  }
  return engine.run1(matMulOp, binaryOperands('matMul', a, b), { transposeA, transposeB });
});
