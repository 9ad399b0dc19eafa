import { engine } from '../engine/engine.js';
import type { Tensor, TensorLike } from '../tensor.js';
import { assertDType } from '../dtype.js';
import { normalizeAxes, reducedShape } from '../shape.js';
import { op, toTensor } from './convert.js';
import { extremumGrad } from './extremum-grad.js';
import { defineOp } from './op.js';
import type { ReduceAttrs } from './sum.js';

export const minOp = defineOp<'min', ReduceAttrs>({
  name: 'min',
  kind: 'reduction',
  inputNames: ['x'],
  saves: { inputs: true, outputs: true },
  infer([x], { axes, keepDims }) {
    assertDType('min', 'x', x.dtype, ['float32', 'int32']);
    return [{ shape: reducedShape(x.shape, axes, keepDims), dtype: x.dtype }];
  },
  grad: extremumGrad,
});

/**
 * The smallest element over `axis` (all axes when omitted). NaN propagates; an empty float reduction
 * gives +Infinity (int32: the largest int32). Ties share the gradient equally, as in TensorFlow.
 * Corresponds to `tf.min` / `tf.reduce_min`.
 *
 * @example min(tensor([[1, 5], [3, 2]]), 1) // [1, 2]
 */
export const min = op((x: TensorLike, axis?: number | readonly number[], keepDims = false): Tensor => {
  const t = toTensor('min', 'x', x);
  return engine.run1(minOp, [t], { axes: normalizeAxes('min', axis, t.rank), keepDims });
});
