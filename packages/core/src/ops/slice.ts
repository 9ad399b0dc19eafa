import { engine } from '../engine/engine.js';
import { ShapeError, formatShape } from '../errors.js';
import type { Tensor, TensorLike } from '../tensor.js';
import { op, toTensor } from './convert.js';
import { defineOp } from './op.js';
import { pad } from './pad.js';

export interface SliceAttrs {
  /** One start per axis. */
  readonly begin: readonly number[];
  /** One length per axis, resolved (no -1). */
  readonly size: readonly number[];
}

export const sliceOp = defineOp<'slice', SliceAttrs>({
  name: 'slice',
  kind: 'movement',
  inputNames: ['x'],
  saves: { inputs: false },
  infer([x], { begin, size }) {
    if (begin.length !== x.shape.length || size.length !== x.shape.length) {
      throw new ShapeError(
        `slice: begin and size need one entry per axis of x (shape ${formatShape(x.shape)}), got begin ${formatShape(begin)} and size ${formatShape(size)}`,
      );
    }
    x.shape.forEach((d, i) => {
      const valid = Number.isInteger(begin[i]) && Number.isInteger(size[i]) && begin[i] >= 0 && size[i] >= 0;
      if (!valid || begin[i] + size[i] > d) {
        throw new ShapeError(
          `slice: begin ${formatShape(begin)} with size ${formatShape(size)} is out of bounds for x of shape ${formatShape(x.shape)} on axis ${i}`,
        );
      }
    });
    return [{ shape: [...size], dtype: x.dtype }];
  },
  grad: ([dy], { inputInfos: [x], attrs: { begin, size } }) => [
    pad(dy, x.shape.map((d, i) => [begin[i], d - begin[i] - size[i]] as const)),
  ],
});

/**
 * Extracts the block starting at `begin` of extent `size` (-1 or a missing entry: to the end of that
 * axis; a number `begin` means the first axis). Corresponds to `tf.slice`.
 *
 * @example slice(tensor([[1, 2, 3], [4, 5, 6]]), [0, 1], [2, -1]) // [[2, 3], [5, 6]]
 */
export const slice = op((x: TensorLike, begin: number | readonly number[], size?: number | readonly number[]): Tensor => {
  const t = toTensor('slice', 'x', x);
  const begins = typeof begin === 'number' ? [begin] : [...begin];
  const sizes = size === undefined ? [] : typeof size === 'number' ? [size] : [...size];
  if (begins.length > t.rank || sizes.length > t.rank) {
    throw new ShapeError(
      `slice: begin ${formatShape(begins)} and size ${formatShape(sizes)} have more entries than x has axes (shape ${formatShape(t.shape)})`,
    );
  }
  const fullBegin = t.shape.map((_, i) => begins[i] ?? 0);
  const fullSize = t.shape.map((d, i) => (sizes[i] === undefined || sizes[i] === -1 ? d - fullBegin[i] : sizes[i]));
  return engine.run1(sliceOp, [t], { begin: fullBegin, size: fullSize });
});
