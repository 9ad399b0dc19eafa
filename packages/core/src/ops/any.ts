import { engine } from '../engine/engine.js';
import type { Tensor, TensorLike } from '../tensor.js';
import { assertDType } from '../dtype.js';
import { normalizeAxes, reducedShape } from '../shape.js';
import { op, toTensor } from './convert.js';
import { defineOp } from './op.js';
import type { ReduceAttrs } from './sum.js';

export const anyOp = defineOp<'any', ReduceAttrs>({
  name: 'any',
  kind: 'reduction',
  inputNames: ['x'],
  saves: { inputs: false },
  infer([x], { axes, keepDims }) {
    assertDType('any', 'x', x.dtype, ['bool']);
    return [{ shape: reducedShape(x.shape, axes, keepDims), dtype: 'bool' }];
  },
  grad: 'none',
});

/**
 * Whether any element is true over `axis` (all axes when omitted); an empty reduction gives false.
 * Takes bool only. Corresponds to `tf.any` / `tf.reduce_any`.
 *
 * @example any(tensor([[true, false], [false, false]]), 1) // [true, false]
 */
export const any = op((x: TensorLike, axis?: number | readonly number[], keepDims = false): Tensor => {
  const t = toTensor('any', 'x', x);
  return engine.run1(anyOp, [t], { axes: normalizeAxes('any', axis, t.rank), keepDims });
});
