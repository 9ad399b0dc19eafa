import { engine } from '../engine/engine.js';
import type { Tensor, TensorLike } from '../tensor.js';
import { assertDType } from '../dtype.js';
import { normalizeAxes, reducedShape } from '../shape.js';
import { op, toTensor } from './convert.js';
import { extremumGrad } from './extremum-grad.js';
import { defineOp } from './op.js';
import type { ReduceAttrs } from './sum.js';

export const maxOp = defineOp<'max', ReduceAttrs>({
  name: 'max',
  kind: 'reduction',
  inputNames: ['x'],
  saves: { inputs: true, outputs: true },
  infer([x], { axes, keepDims }) {
    assertDType('max', 'x', x.dtype, ['float32', 'int32']);
    return [{ shape: reducedShape(x.shape, axes, keepDims), dtype: x.dtype }];
  },
  grad: extremumGrad,
});

/**
 * The largest element over `axis` (all axes when omitted). NaN propagates; an empty float reduction
 * gives -Infinity (int32: the smallest int32). Ties share the gradient equally, as in TensorFlow.
 * Corresponds to `tf.max` / `tf.reduce_max`.
 *
 * @example max(tensor([[1, 5], [3, 2]]), 1) // [5, 3]
 */
export const max = op((x: TensorLike, axis?: number | readonly number[], keepDims = false): Tensor => {
  const t = toTensor('max', 'x', x);
  return engine.run1(maxOp, [t], { axes: normalizeAxes('max', axis, t.rank), keepDims });
});
