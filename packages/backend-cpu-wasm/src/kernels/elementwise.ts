import type { DType, Kernel, KernelInput, TensorInfo } from '@tessera/core';
import { sizeOf } from '@tessera/core';
import type { WasmContext } from '../context.js';
import { suffix } from '../context.js';
import { bytesPerElement } from '../storage.js';
import { lanesOf, splitRange } from '../threads/lanes.js';
import { broadcastPlan, elementByElementPlan } from './plans.js';

/**
 * Below this many elements an elementwise op runs on one thread: waking the workers costs about as
 * much as the op. Above, each thread takes a range starting on a multiple of 16 elements, so every
 * element goes through the same vector or scalar path as on one thread (the same bits).
 */
const PARALLEL_MIN_ELEMENTS = 1 << 17;
const RANGE_ALIGN = 16;

/** The threads' ranges of `n` elements, or undefined where one thread should do it all. */
function parallelRanges(context: WasmContext, n: number): [number, number][] | undefined {
  if (n < PARALLEL_MIN_ELEMENTS) return undefined;
  const lanes = lanesOf(context);
  return lanes.count > 1 ? splitRange(n, lanes.count, RANGE_ALIGN) : undefined;
}

/** A one-input elementwise kernel: `<name>_<dtype>(x, out, n)` on the wasm side. */
export function unaryKernel(context: WasmContext, name: string): Kernel {
  return ([x]: readonly KernelInput[], _attrs: unknown, [out]: readonly TensorInfo[]) => {
    const result = context.output(out);
    const n = sizeOf(out.shape);
    if (n === 0) return [result];
    const fn = `${name}_${suffix(x.dtype)}`;
    const [from, to] = [context.address(x), context.address(result)];
    const ranges = parallelRanges(context, n);
    if (ranges === undefined) context.call(fn, from, to, n);
    else {
      const [inBytes, outBytes] = [bytesPerElement(x.dtype), bytesPerElement(out.dtype)];
      lanesOf(context).run(ranges.map(([start, end]) => [{ name: fn, args: [from + start * inBytes, to + start * outBytes, end - start] }]));
    }
    return [result];
  };
}

/** A broadcasting two-input kernel: `<name>_<dtype>(a, b, out, plan)`. */
export function binaryKernel(context: WasmContext, name: string): Kernel {
  return ([a, b]: readonly KernelInput[], _attrs: unknown, [out]: readonly TensorInfo[]) => {
    const result = context.output(out);
    const n = sizeOf(out.shape);
    if (n === 0) return [result];
    const fn = `${name}_${suffix(a.dtype)}`;
    const ranges = parallelRanges(context, n);
    const simple = ranges === undefined ? undefined : elementByElementPlan([a.shape, b.shape], out.shape);
    if (ranges === undefined || simple === undefined) {
      const plan = context.plan(broadcastPlan([a.shape, b.shape], out.shape));
      context.call(fn, context.address(a), context.address(b), context.address(result), plan);
      return [result];
    }
    // Operands of the output's shape or single elements: each thread gets a one-dimensional plan of
    // its own range (the drivers write their index space into the plan, so plans are per thread).
    const [, , aStride, bStride] = simple;
    const [aBytes, bBytes, outBytes] = [bytesPerElement(a.dtype) * aStride, bytesPerElement(b.dtype) * bStride, bytesPerElement(out.dtype)];
    const [aAddress, bAddress, outAddress] = [context.address(a), context.address(b), context.address(result)];
    const plans: number[] = [];
    try {
      const work = ranges.map(([start, end]) => {
        const plan = context.scratch(simple.length * 4);
        plans.push(plan);
        context.writeWords(plan, [1, end - start, aStride, bStride, 0]);
        return [{ name: fn, args: [aAddress + start * aBytes, bAddress + start * bBytes, outAddress + start * outBytes, plan] }];
      });
      lanesOf(context).run(work);
    } finally {
      for (const plan of plans) context.release(plan);
    }
    return [result];
  };
}

export function whereKernel(context: WasmContext): Kernel {
  return ([condition, a, b]: readonly KernelInput[], _attrs: unknown, [out]: readonly TensorInfo[]) => {
    const result = context.output(out);
    if (sizeOf(out.shape) > 0) {
      const plan = context.plan(broadcastPlan([condition.shape, a.shape, b.shape], out.shape));
      const name = out.dtype === 'bool' ? 'where_8' : 'where_32';
      context.call(name, context.address(condition), context.address(a), context.address(b), context.address(result), plan);
    }
    return [result];
  };
}

export function castKernel(context: WasmContext): Kernel<{ readonly dtype: DType }> {
  return ([x], _attrs, [out]) => {
    const result = context.output(out);
    const n = sizeOf(out.shape);
    if (n === 0) return [result];
    if (x.dtype === out.dtype) {
      const bytes = out.dtype === 'bool' ? n : n * 4;
      context.copy(context.address(result), context.address(x), bytes);
    } else {
      context.call(`cast_${suffix(x.dtype)}_${suffix(out.dtype)}`, context.address(x), context.address(result), n);
    }
    return [result];
  };
}
