import type { AttrsOf, Kernel } from '@tessera/core';
import { sizeOf } from '@tessera/core';
import type { WasmContext } from '../context.js';

/** cumsum along `axis`, with x viewed as [outer, length, inner] and a row of `inner` running sums. */
export function cumsumKernel(context: WasmContext): Kernel<AttrsOf<'cumsum'>> {
  return ([x], { axis, exclusive, reverse }, [out]) => {
    const result = context.output(out);
    if (sizeOf(x.shape) === 0) return [result];
    const outer = sizeOf(x.shape.slice(0, axis));
    const inner = sizeOf(x.shape.slice(axis + 1));
    const isFloat = x.dtype === 'float32';
    const sums = context.scratch(inner * (isFloat ? 8 : 4));
    try {
      const name = isFloat ? 'cumsum_f32' : 'cumsum_i32';
      context.call(name, context.address(x), context.address(result), sums, outer, x.shape[axis], inner, exclusive ? 1 : 0, reverse ? 1 : 0);
    } finally {
      context.release(sums);
    }
    return [result];
  };
}
