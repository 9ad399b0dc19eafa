import type { DType, Kernel, KernelInput, TensorInfo } from '@tessera/core';
import { sizeOf } from '@tessera/core';
import type { WasmContext } from '../context.js';
import { suffix } from '../context.js';
import { broadcastPlan } from './plans.js';

/** A one-input elementwise kernel: `<name>_<dtype>(x, out, n)` on the wasm side. */
export function unaryKernel(context: WasmContext, name: string): Kernel {
  return ([x]: readonly KernelInput[], _attrs: unknown, [out]: readonly TensorInfo[]) => {
    const result = context.output(out);
    const n = sizeOf(out.shape);
    if (n > 0) context.call(`${name}_${suffix(x.dtype)}`, context.address(x), context.address(result), n);
    return [result];
  };
}

/** A broadcasting two-input kernel: `<name>_<dtype>(a, b, out, plan)`. */
export function binaryKernel(context: WasmContext, name: string): Kernel {
  return ([a, b]: readonly KernelInput[], _attrs: unknown, [out]: readonly TensorInfo[]) => {
    const result = context.output(out);
    if (sizeOf(out.shape) > 0) {
      const plan = context.plan(broadcastPlan([a.shape, b.shape], out.shape));
      context.call(`${name}_${suffix(a.dtype)}`, context.address(a), context.address(b), context.address(result), plan);
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
      const { u8 } = context.memoryViews;
      const from = context.address(x);
      u8.copyWithin(context.address(result), from, from + bytes);
    } else {
      context.call(`cast_${suffix(x.dtype)}_${suffix(out.dtype)}`, context.address(x), context.address(result), n);
    }
    return [result];
  };
}
