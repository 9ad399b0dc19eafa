import type { DType, Kernel, KernelInput, Shape, TensorInfo } from '@tessera/core';
import { sizeOf } from '@tessera/core';
import type { WasmContext } from '../context.js';
import { suffix } from '../context.js';
import type { KernelCall } from '../threads/lanes.js';
import { lanesOf, splitRange } from '../threads/lanes.js';
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

/** Input elements from which a reduction is split between threads. */
const PARALLEL_MIN_ELEMENTS = 1 << 17;

const BYTES: Readonly<Record<DType, number>> = { float32: 4, int32: 4, bool: 1 };
/** Chunks a reduction over its outermost axis is cut into, at most. */
const MAX_CHUNKS = 8;

export function reductionKernel(context: WasmContext, op: Reduction): Kernel<{ readonly axes: readonly number[] }> {
  return ([x]: readonly KernelInput[], { axes }, [out]: readonly TensorInfo[]) => {
    const result = context.output(out);
    const cells = sizeOf(out.shape);
    if (cells === 0) return [result];
    const dtype = x.dtype;
    const effective = dtype === 'bool' ? boolReduction(op) : op;
    const init = identity(effective, dtype);
    const outAddress = context.address(result);
    const elements = sizeOf(x.shape);
    const plan = elements === 0 ? undefined : reductionPlan(x.shape, axes);
    const run = (accumulators: number, accBytes: number, fn: string) => {
      if (plan === undefined) return;
      // Large reductions over their outermost axis go by chunks whatever the thread count (so the
      // result does not depend on it); those keeping it split between threads when there are any.
      const outerReduced = plan[1 + plan[0]] === 0;
      if (elements >= PARALLEL_MIN_ELEMENTS && (outerReduced || lanesOf(context).count > 1)) {
        reduceOnLanes(context, fn, plan, context.address(x), BYTES[dtype], accumulators, accBytes, cells, effective, init);
      } else {
        context.call(fn, context.address(x), accumulators, context.plan(plan));
      }
    };
    // Float sums and products accumulate in f64 like the reference, in a temporary block.
    const wide = dtype === 'float32' && (effective === 'sum' || effective === 'prod');
    if (wide) {
      const accumulator = context.scratch(cells * 8);
      try {
        context.call('fill_f64', accumulator, init, cells);
        run(accumulator, 8, `reduce_${effective}_f32`);
        context.call('demote_f64_f32', accumulator, outAddress, cells);
      } finally {
        context.release(accumulator);
      }
      return [result];
    }
    context.fill(context.address(result), out.dtype, cells, init);
    run(outAddress, BYTES[out.dtype], `reduce_${effective}_${suffix(dtype)}`);
    return [result];
  };
}

/**
 * A large reduction split along the plan's outermost axis. Where that axis is kept, each thread folds
 * its own output cells, in the order one thread would (the same bits). Where it is reduced, the axis
 * is cut into chunks of about PARALLEL_MIN_ELEMENTS inputs, a number fixed by the shape alone; each
 * chunk folds into accumulators of its own (threads take runs of chunks), and the chunks' results are
 * folded together in chunk order. One thread does exactly the same, so the result is the same bits
 * on any number of threads.
 */
function reduceOnLanes(
  context: WasmContext,
  fn: string,
  plan: readonly number[],
  x: number,
  inBytes: number,
  accumulators: number,
  accBytes: number,
  cells: number,
  op: Reduction,
  init: number,
): void {
  const lanes = lanesOf(context);
  const rank = plan[0];
  const shape = plan.slice(1, 1 + rank);
  const strides = plan.slice(1 + rank, 1 + 2 * rank);
  const rowElements = shape.slice(1).reduce((a, b) => a * b, 1);
  const shared = strides[0] !== 0;
  const chunkCount = Math.min(shape[0], MAX_CHUNKS, Math.ceil((shape[0] * rowElements) / PARALLEL_MIN_ELEMENTS));
  // Shared: one range of rows per thread. Private: chunks by shape, then runs of chunks per thread.
  const chunks = shared ? splitRange(shape[0], lanes.count, 1) : splitRange(shape[0], chunkCount, 1);
  const perLane = shared ? 1 : Math.ceil(chunks.length / lanes.count);
  // One scratch block: each chunk's plan, then (reduced axis) each chunk's accumulators, 16-aligned.
  const planBytes = Math.ceil((plan.length * 4) / 16) * 16;
  const block = context.scratch(chunks.length * planBytes + (shared ? 0 : chunks.length * cells * accBytes));
  try {
    const privateAccumulators = block + chunks.length * planBytes;
    const work: KernelCall[][] = [];
    chunks.forEach(([start, end], chunk) => {
      const chunkPlan = block + chunk * planBytes;
      context.writeWords(chunkPlan, [rank, end - start, ...shape.slice(1), ...strides, ...shape.map(() => 0)]);
      let target = accumulators + start * strides[0] * accBytes;
      if (!shared) {
        target = privateAccumulators + chunk * cells * accBytes;
        if (accBytes === 8) context.call('fill_f64', target, init, cells);
        else context.fill(target, accBytes === 1 ? 'bool' : fn.endsWith('_f32') ? 'float32' : 'int32', cells, init);
      }
      const lane = Math.floor(chunk / perLane);
      (work[lane] ??= []).push({ name: fn, args: [x + start * rowElements * inBytes, target, chunkPlan] });
    });
    lanes.run(work);
    if (shared) return;
    if (accBytes === 8) {
      for (let chunk = 0; chunk < chunks.length; chunk++) context.call('fold_f64', op === 'sum' ? 0 : 1, accumulators, privateAccumulators + chunk * cells * 8, cells);
    } else {
      // The chunks' partials, [chunks, cells], reduced over their first axis into the result.
      context.call(fn, privateAccumulators, accumulators, context.plan([2, chunks.length, cells, 0, 1, 0, 0]));
    }
  } finally {
    context.release(block);
  }
}

export function argReductionKernel(context: WasmContext, which: 'argmax' | 'argmin'): Kernel<{ readonly axis: number }> {
  return ([x], { axis }, [out]) => {
    const result = context.output(out);
    if (sizeOf(out.shape) === 0) return [result];
    if (x.shape.length === 0) {
      context.fill(context.address(result), 'int32', 1, 0);
      return [result];
    }
    const outer = sizeOf(x.shape.slice(0, axis));
    const inner = sizeOf(x.shape.slice(axis + 1));
    context.call(`${which}_${suffix(x.dtype)}`, context.address(x), context.address(result), outer, x.shape[axis], inner);
    return [result];
  };
}
