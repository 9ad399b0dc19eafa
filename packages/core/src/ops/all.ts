import { engine } from '../engine/engine.js';
import type { Tensor, TensorLike } from '../tensor.js';
import { assertDType } from '../dtype.js';
import { normalizeAxes, reducedShape } from '../shape.js';
import { op, toTensor } from './convert.js';
import { defineOp } from './op.js';
import type { ReduceAttrs } from './sum.js';

export const allOp = defineOp<'all', ReduceAttrs>({
  name: 'all',
  kind: 'reduction',
  inputNames: ['x'],
  saves: { inputs: false },
  infer([x], { axes, keepDims }) {
    assertDType('all', 'x', x.dtype, ['bool']);
    return [{ shape: reducedShape(x.shape, axes, keepDims), dtype: 'bool' }];
  },
  grad: 'none',
});

/**
 * Whether every element is true over `axis` (all axes when omitted); an empty reduction gives true.
 * Takes bool only. Corresponds to `tf.all` / `tf.reduce_all`.
 *
 * @example all(tensor([[true, false], [false, false]]), 1) // [false, false]
 */
export const all = op((x: TensorLike, axis?: number | readonly number[], keepDims = false): Tensor => {
  const t = toTensor('all', 'x', x);
  return engine.run1(allOp, [t], { axes: normalizeAxes('all', axis, t.rank), keepDims });
});
