import type { DType } from '../dtype.js';
import { dtypeInfo, isDType } from '../dtype.js';
import { engine } from '../engine/engine.js';
import { DTypeError } from '../errors.js';
import type { Tensor, TensorLike } from '../tensor.js';
import { op, toTensor } from './convert.js';
import { defineOp } from './op.js';

export interface CastAttrs {
  readonly dtype: DType;
}

export const castOp = defineOp<'cast', CastAttrs>({
  name: 'cast',
  kind: 'elementwise',
  inputNames: ['x'],
  // Every conversion is the target dtype's coercion (truncation toward zero for float → int32,
  // nonzero → true for bool), which the reference applies after the identity formula.
  formula: { float32: (x) => x, int32: (x) => x, bool: (x) => x },
  saves: { inputs: false },
  infer([x], { dtype }) {
    if (!isDType(dtype)) throw new DTypeError(`cast: dtype must be float32, int32 or bool, got ${String(dtype)}`);
    return [{ shape: x.shape, dtype }];
  },
  // Gradients flow only between float dtypes; an integer or bool input gets none.
  grad: ([dy], { inputInfos: [x] }) => [dtypeInfo[x.dtype].isFloat ? cast(dy, x.dtype) : null],
});

/**
 * Converts to another dtype. Float → int32 truncates toward zero; any nonzero → true.
 * Corresponds to `tf.cast`.
 *
 * @example cast(tensor([1.7, -1.7]), 'int32') // [1, -1]
 */
export const cast = op((x: TensorLike, dtype: DType): Tensor => {
  const t = toTensor('cast', 'x', x);
  return t.dtype === dtype ? t.clone() : engine.run1(castOp, [t], { dtype });
});
