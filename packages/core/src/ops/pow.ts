import type { Tensor, TensorLike } from '../tensor.js';
import { op } from './convert.js';
import { applyBinary, binaryOp, unbroadcast } from './elementwise.js';
import { greater } from './greater.js';
import { log } from './log.js';
import { mul } from './mul.js';
import { sub } from './sub.js';
import { where } from './where.js';

/** C's pow, which TensorFlow and NumPy follow: unlike Math.pow, 1^NaN = 1 and (-1)^±Infinity = 1. */
function floatPow(a: number, b: number): number {
  if (a === 1 || (a === -1 && (b === Infinity || b === -Infinity))) return 1;
  return Math.pow(a, b);
}

/**
 * Exact int32 power with wraparound, by repeated squaring through Math.imul. A negative exponent
 * gives the truncated true value (1 and -1 keep their powers, anything else 0) instead of an error.
 */
function intPow(a: number, b: number): number {
  if (b < 0) return a === 1 ? 1 : a === -1 ? (b & 1 ? -1 : 1) : 0;
  let result = 1;
  let base = a;
  for (let exponent = b; exponent > 0; exponent >>>= 1) {
    if (exponent & 1) result = Math.imul(result, base);
    base = Math.imul(base, base);
  }
  return result;
}

export const powOp = binaryOp({
  name: 'pow',
  formula: { float32: floatPow, int32: intPow },
  saves: { inputs: true, outputs: true },
  grad: ([dy], { inputs: [a, b], outputs: [y] }) => {
    // log(a) only where a > 0, and a harmless 1 inside the log elsewhere, so neither this gradient
    // nor its own gradient meets log(0) or log of a negative (TensorFlow's choice).
    const positive = greater(a, 0);
    const logA = where(positive, log(where(positive, a, 1)), 0);
    return [
      unbroadcast(mul(dy, mul(b, pow(a, sub(b, 1)))), a.shape),
      unbroadcast(mul(dy, mul(y, logA)), b.shape),
    ];
  },
});

/**
 * Elementwise `a ** b` with broadcasting. Corresponds to `tf.pow`.
 *
 * @example pow(tensor([2, 3]), 2) // [4, 9]
 */
export const pow = op((a: TensorLike, b: TensorLike): Tensor => applyBinary(powOp, a, b));
