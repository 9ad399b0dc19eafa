import { engine } from '../engine/engine.js';
import type { Tensor, TensorLike } from '../tensor.js';
import type { ArgReduceAttrs } from './arg-max.js';
import { argReduceAxis, inferArgReduce } from './arg-max.js';
import { cast } from './cast.js';
import { op, toTensor } from './convert.js';
import { defineOp } from './op.js';

export const argMinOp = defineOp<'argMin', ArgReduceAttrs>({
  name: 'argMin',
  kind: 'reduction',
  inputNames: ['x'],
  saves: { inputs: false },
  infer: ([x], { axis }) => inferArgReduce('argMin', x, axis),
  grad: 'none',
});

/**
 * The index of the smallest element along `axis` (int32): the first one on ties, and the first NaN
 * when there is one (as NumPy and TensorFlow do). The default axis is the last, as in Keras'
 * `K.argmin`. Corresponds to `tf.argMin`.
 *
 * @example argMin(tensor([[1, 5], [7, 2]]), 1) // [0, 1]
 */
export const argMin = op((x: TensorLike, axis = -1): Tensor => {
  let t = toTensor('argMin', 'x', x);
  if (t.dtype === 'bool') t = cast(t, 'int32');
  return engine.run1(argMinOp, [t], { axis: argReduceAxis('argMin', axis, t.rank) });
});
