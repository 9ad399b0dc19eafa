import type { DType, Kernel, KernelInput, Shape, TensorInfo } from '@tessera/core';
import { sizeOf } from '@tessera/core';
import type { WasmContext } from '../context.js';
import { suffix } from '../context.js';
import { collapse, contiguousStrides } from './plans.js';

type Reduction = 'sum' | 'prod' | 'max' | 'min' | 'any' | 'all';

/** Accumulator strides: kept axes step through the output cells, reduced axes stay put. */
function reductionPlan(shape: Shape, axes: readonly number[]): number[] {
  const kept = shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const keptStrides = contiguousStrides(kept).map((s, i) => (axes.includes(i) ? 0 : s));
  const collapsed = collapse(shape, [contiguousStrides(shape), keptStrides]);
  return [collapsed.shape.length, ...collapsed.shape, ...collapsed.strides[1], ...collapsed.shape.map(() => 0)];
}

/** On bool, sum and max are `any`, product and min are `all`: the reference's folds rounded to bool. */
function boolReduction(op: Reduction): Reduction {
  return op === 'sum' || op === 'max' || op === 'any' ? 'any' : 'all';
}

function identity(op: Reduction, dtype: DType): number {
  switch (op) {
    case 'sum':
    case 'any':
      return 0;
    case 'prod':
    case 'all':
      return 1;
    case 'max':
      return dtype === 'int32' ? -2147483648 : -Infinity;
    case 'min':
      return dtype === 'int32' ? 2147483647 : Infinity;
  }
}

export function reductionKernel(context: WasmContext, op: Reduction): Kernel<{ readonly axes: readonly number[] }> {
  return ([x]: readonly KernelInput[], { axes }, [out]: readonly TensorInfo[]) => {
    const result = context.output(out);
    const cells = sizeOf(out.shape);
    if (cells === 0) return [result];
    const dtype = x.dtype;
    const effective = dtype === 'bool' ? boolReduction(op) : op;
    const init = identity(effective, dtype);
    const outAddress = context.address(result);
    const inputEmpty = sizeOf(x.shape) === 0;
    // Float sums and products accumulate in f64 like the reference, in a temporary block.
    const wide = dtype === 'float32' && (effective === 'sum' || effective === 'prod');
    if (wide) {
      const accumulator = context.scratch(cells * 8);
      try {
        context.call('fill_f64', accumulator, init, cells);
        if (!inputEmpty) context.call(`reduce_${effective}_f32`, context.address(x), accumulator, context.plan(reductionPlan(x.shape, axes)));
        context.call('demote_f64_f32', accumulator, outAddress, cells);
      } finally {
        context.release(accumulator);
      }
      return [result];
    }
    context.view(result, out.dtype, cells).fill(init);
    if (!inputEmpty) context.call(`reduce_${effective}_${suffix(dtype)}`, context.address(x), outAddress, context.plan(reductionPlan(x.shape, axes)));
    return [result];
  };
}

export function argReductionKernel(context: WasmContext, which: 'argmax' | 'argmin'): Kernel<{ readonly axis: number }> {
  return ([x], { axis }, [out]) => {
    const result = context.output(out);
    if (sizeOf(out.shape) === 0) return [result];
    if (x.shape.length === 0) {
      context.view(result, 'int32', 1).fill(0);
      return [result];
    }
    const outer = sizeOf(x.shape.slice(0, axis));
    const inner = sizeOf(x.shape.slice(axis + 1));
    context.call(`${which}_${suffix(x.dtype)}`, context.address(x), context.address(result), outer, x.shape[axis], inner);
    return [result];
  };
}
