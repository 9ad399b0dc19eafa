import type { DType } from '../dtype.js';
import { ArgumentError } from '../errors.js';
import { add } from '../ops/add.js';
import { op } from '../ops/convert.js';
import { mul } from '../ops/mul.js';
import { oneHot } from '../ops/one-hot.js';
import { range } from '../ops/range.js';
import type { Tensor } from '../tensor.js';

/**
 * `num` evenly spaced float32 values from `start` to `stop`, both included (`start + i * step`).
 * Corresponds to `tf.linspace`.
 *
 * @example linspace(0, 1, 5) // [0, 0.25, 0.5, 0.75, 1]
 */
export const linspace = op((start: number, stop: number, num: number): Tensor => {
  if (!Number.isInteger(num) || num < 0) throw new ArgumentError(`linspace: num must be a non-negative integer, got ${String(num)}`);
  const step = num > 1 ? (stop - start) / (num - 1) : 0;
  return add(mul(range(0, num, 1, 'float32'), step), start);
});

/**
 * An `n × m` matrix with ones on the main diagonal and zeros elsewhere (`m` defaults to `n`).
 * Corresponds to `tf.eye`.
 *
 * @example eye(2) // [[1, 0], [0, 1]]
 */
export const eye = op((n: number, m: number = n, dtype: DType = 'float32'): Tensor => {
  for (const [name, value] of [['n', n], ['m', m]] as const) {
    if (!Number.isInteger(value) || value < 0) throw new ArgumentError(`eye: ${name} must be a non-negative integer, got ${String(value)}`);
  }
  return oneHot(range(0, n, 1, 'int32'), m, 1, 0, dtype);
});
