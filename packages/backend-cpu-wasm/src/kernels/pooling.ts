import type { AttrsOf, Kernel, KernelInput, Shape } from '@tessera/core';
import { sizeOf } from '@tessera/core';
import type { WasmContext } from '../context.js';
import type { Handle } from '../storage.js';

type PoolAttrs = AttrsOf<'maxPool'>;

/** Padding before the first row (column): 'same' splits the total padding with the extra cell after. */
function padBefore(size: number, out: number, kernel: number, stride: number, padding: PoolAttrs['padding']): number {
  if (padding === 'valid') return 0;
  return Math.floor(Math.max((out - 1) * stride + kernel - size, 0) / 2);
}

/**
 * The plan words of assembly/pool.ts: batch, input height/width, channels, window, strides, padding
 * before, output height/width. Core's op has validated the attributes and inferred `outShape`.
 */
function poolPlan(inShape: Shape, outShape: Shape, { poolSize, strides, padding }: PoolAttrs): number[] {
  const [batch, inHeight, inWidth, channels] = inShape;
  const [, outHeight, outWidth] = outShape;
  return [
    batch, inHeight, inWidth, channels,
    poolSize[0], poolSize[1], strides[0], strides[1],
    padBefore(inHeight, outHeight, poolSize[0], strides[0], padding),
    padBefore(inWidth, outWidth, poolSize[1], strides[1], padding),
    outHeight, outWidth,
  ];
}

/** Runs `accumulate(accumulatorAddress)` over a zeroed f64 block of `cells` and rounds it into `result`. */
function throughF64(context: WasmContext, result: Handle, cells: number, accumulate: (accumulator: number) => void): void {
  const accumulator = context.scratch(cells * 8);
  try {
    context.call('fill_f64', accumulator, 0, cells);
    accumulate(accumulator);
    context.call('demote_f64_f32', accumulator, context.address(result), cells);
  } finally {
    context.release(accumulator);
  }
}

type Kernels = {
  maxPool: Kernel<AttrsOf<'maxPool'>>;
  avgPool: Kernel<AttrsOf<'avgPool'>>;
  maxPoolGrad: Kernel<AttrsOf<'maxPoolGrad'>>;
  avgPoolGrad: Kernel<AttrsOf<'avgPoolGrad'>>;
};

export function poolingKernels(context: WasmContext): Kernels {
  const isEmpty = (...inputs: { shape: Shape }[]) => inputs.some((t) => sizeOf(t.shape) === 0);
  return {
    maxPool: ([x]: readonly KernelInput[], attrs, [out]) => {
      const result = context.output(out);
      if (isEmpty(x, out)) return [result];
      const name = x.dtype === 'int32' ? 'max_pool_i32' : 'max_pool_f32';
      context.call(name, context.address(x), context.address(result), context.plan(poolPlan(x.shape, out.shape, attrs)));
      return [result];
    },

    avgPool: ([x], attrs, [out]) => {
      const result = context.output(out);
      if (isEmpty(x, out)) return [result];
      const row = context.scratch(x.shape[3] * 8);
      try {
        context.call('avg_pool_f32', context.address(x), context.address(result), row, context.plan(poolPlan(x.shape, out.shape, attrs)));
      } finally {
        context.release(row);
      }
      return [result];
    },

    maxPoolGrad: ([dy, x], attrs, [out]) => {
      const result = context.output(out);
      const cells = sizeOf(out.shape);
      if (cells === 0) return [result];
      throughF64(context, result, cells, (accumulator) => {
        if (isEmpty(dy)) return;
        const plan = context.plan(poolPlan(x.shape, dy.shape, attrs));
        context.call('max_pool_grad_f32', context.address(dy), context.address(x), accumulator, plan);
      });
      return [result];
    },

    avgPoolGrad: ([dy], attrs, [out]) => {
      const result = context.output(out);
      const cells = sizeOf(out.shape);
      if (cells === 0) return [result];
      throughF64(context, result, cells, (accumulator) => {
        if (isEmpty(dy)) return;
        const plan = context.plan(poolPlan(attrs.inputShape, dy.shape, attrs));
        context.call('avg_pool_grad_f32', context.address(dy), accumulator, plan);
      });
      return [result];
    },
  };
}
