import { engine } from '../engine/engine.js';
import { DTypeError } from '../errors.js';
import { broadcastShapes } from '../shape.js';
import type { Tensor, TensorLike } from '../tensor.js';
import { op, toTensor } from './convert.js';
import { binaryOperands, unbroadcast } from './elementwise.js';
import type { NoAttrs } from './op.js';
import { defineOp } from './op.js';

const select = (condition: number, a: number, b: number): number => (condition !== 0 ? a : b);

export const whereOp = defineOp<'where', NoAttrs>({
  name: 'where',
  kind: 'elementwise',
  inputNames: ['condition', 'a', 'b'],
  // The same selection for every dtype, so a formula looked up by the condition's dtype (bool)
  // or by the branches' finds it.
  formula: { float32: select, int32: select, bool: select },
  // Only the condition is read by the gradient, but inputs are saved all or nothing.
  saves: { inputs: true },
  infer([condition, a, b]) {
    if (condition.dtype !== 'bool') {
      throw new DTypeError(`where: condition must be bool, got ${condition.dtype}; compare first, e.g. x.greater(0)`);
    }
    if (a.dtype !== b.dtype) throw new DTypeError(`where: a and b must have the same dtype, got ${a.dtype} and ${b.dtype}`);
    const shape = broadcastShapes('where', broadcastShapes('where', condition.shape, a.shape), b.shape);
    return [{ shape, dtype: a.dtype }];
  },
  grad: ([dy], { inputs: [condition], inputInfos: [, a, b] }) => [
    null,
    unbroadcast(where(condition, dy, 0), a.shape),
    unbroadcast(where(condition, 0, dy), b.shape),
  ],
});

/**
 * Elementwise selection: `a` where `condition` is true, `b` elsewhere. The three broadcast
 * together; `a` and `b` are promoted to a common dtype. Corresponds to `tf.where` (three arguments).
 *
 * @example where(tensor([true, false]), tensor([1, 2]), 0) // [1, 0]
 */
export const where = op((condition: TensorLike, a: TensorLike, b: TensorLike): Tensor => {
  const c = toTensor('where', 'condition', condition);
  const [ta, tb] = binaryOperands('where', a, b);
  return engine.run1(whereOp, [c, ta, tb], {});
});
