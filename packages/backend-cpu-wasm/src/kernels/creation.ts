import type { AttrsOf, DType, Kernel } from '@tessera/core';
import { sizeOf } from '@tessera/core';
import type { WasmContext } from '../context.js';

/** A JS number as the dtype stores it (core's cast semantics), then as the 32 bits a fill writes. */
function storedBits(value: number, dtype: DType): number {
  if (dtype === 'bool') return value !== 0 ? 1 : 0;
  if (dtype === 'int32') return Number.isNaN(value) ? 0 : Math.trunc(value) | 0;
  return new Int32Array(Float32Array.of(value).buffer)[0];
}

const DISTRIBUTIONS: Record<AttrsOf<'random'>['distribution'], number> = { uniform: 0, normal: 1, truncatedNormal: 2 };

type Kernels = {
  range: Kernel<AttrsOf<'range'>>;
  oneHot: Kernel<AttrsOf<'oneHot'>>;
  random: Kernel<AttrsOf<'random'>>;
};

export function creationKernels(context: WasmContext): Kernels {
  return {
    range: (_inputs, { start, step }, [out]) => {
      const result = context.output(out);
      const n = out.shape[0];
      if (n > 0) context.call(out.dtype === 'int32' ? 'range_i32' : 'range_f32', context.address(result), n, start, step);
      return [result];
    },

    oneHot: ([indices], { depth, onValue, offValue }, [out]) => {
      const result = context.output(out);
      const cells = sizeOf(out.shape);
      if (cells === 0) return [result];
      const on = storedBits(onValue, out.dtype);
      const off = storedBits(offValue, out.dtype);
      const wide = out.dtype !== 'bool';
      context.call(wide ? 'fill_32' : 'fill_8', context.address(result), off, cells);
      context.call(wide ? 'one_hot_32' : 'one_hot_8', context.address(indices), context.address(result), sizeOf(indices.shape), depth, on);
      return [result];
    },

    random: (_inputs, { distribution, seed }, [out]) => {
      const result = context.output(out);
      const n = sizeOf(out.shape);
      // Seeds are uint32; the wasm side takes i32 parameters, which carry the same bits.
      if (n > 0) context.callSeeded('random_f32', 3, context.address(result), n, DISTRIBUTIONS[distribution], seed[0] | 0, seed[1] | 0);
      return [result];
    },
  };
}
