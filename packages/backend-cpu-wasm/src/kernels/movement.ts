import type { AttrsOf, DType, Kernel, KernelInput, Shape, TensorInfo } from '@tessera/core';
import { sizeOf } from '@tessera/core';
import type { WasmContext } from '../context.js';
import type { Handle } from '../storage.js';
import { bytesPerElement } from '../storage.js';
import { broadcastStrides, collapse, contiguousStrides } from './plans.js';

/** A strided view of a tensor: element offset of the first element and a signed stride per axis. */
interface View {
  readonly offset: number;
  readonly strides: readonly number[];
}

const shiftOf = (dtype: DType): number => (bytesPerElement(dtype) === 4 ? 2 : 0);

/** Copies `shape` elements from a view of `src` into a view of `dst`. */
function copyView(context: WasmContext, dtype: DType, shape: Shape, src: KernelInput | Handle, from: View, dst: Handle, to: View): void {
  if (sizeOf(shape) === 0) return;
  const { shape: dims, strides } = collapse(shape, [from.strides, to.strides]);
  const plan = context.plan([dims.length, ...dims, ...strides[0], ...strides[1], ...dims.map(() => 0)]);
  const bytes = bytesPerElement(dtype);
  context.call('copy_strided', context.address(src) + from.offset * bytes, context.address(dst) + to.offset * bytes, plan, shiftOf(dtype));
}

/** Writes `value` (already in the dtype's domain) into every element of a new tensor. */
function fill(context: WasmContext, handle: Handle, dtype: DType, value: number, n: number): void {
  if (n === 0) return;
  if (dtype === 'bool') {
    context.call('fill_8', context.address(handle), value !== 0 ? 1 : 0, n);
    return;
  }
  const bits = dtype === 'float32' ? new Int32Array(Float32Array.of(value).buffer)[0] : value | 0;
  context.call('fill_32', context.address(handle), bits, n);
}

const contiguous = (shape: Shape): View => ({ offset: 0, strides: contiguousStrides(shape) });

/** A kernel whose output is one view of its input. */
function viewKernel<A>(context: WasmContext, view: (x: KernelInput, attrs: A, out: TensorInfo) => { shape: Shape; from: View }): Kernel<A> {
  return ([x], attrs, [out]) => {
    const result = context.output(out);
    const { shape, from } = view(x, attrs, out);
    copyView(context, out.dtype, shape, x, from, result, contiguous(shape));
    return [result];
  };
}

type Kernels = {
  [N in 'reshape' | 'broadcastTo' | 'transpose' | 'slice' | 'stridedSlice' | 'pad' | 'tile' | 'reverse' | 'concat' | 'gather' | 'unsortedSegmentSum']: Kernel<AttrsOf<N>>;
};

export function movementKernels(context: WasmContext): Kernels {
  return {
    reshape: ([x]) => [context.storage.share(x.id)],

    broadcastTo: viewKernel(context, (x, _attrs, out) => ({ shape: out.shape, from: { offset: 0, strides: broadcastStrides(x.shape, out.shape) } })),

    transpose: viewKernel(context, (x, { perm }) => {
      const own = contiguousStrides(x.shape);
      return { shape: perm.map((p) => x.shape[p]), from: { offset: 0, strides: perm.map((p) => own[p]) } };
    }),

    slice: viewKernel(context, (x, { begin }, out) => {
      const own = contiguousStrides(x.shape);
      return { shape: out.shape, from: { offset: begin.reduce((sum, b, d) => sum + b * own[d], 0), strides: own } };
    }),

    stridedSlice: viewKernel(context, (x, { begin, strides, size }) => {
      const own = contiguousStrides(x.shape);
      // Shrunk axes have size 1, so the full-rank view walks the output in its row-major order.
      const offset = size.some((s) => s === 0) ? 0 : begin.reduce((sum, b, d) => sum + b * own[d], 0);
      return { shape: size, from: { offset, strides: own.map((s, d) => s * strides[d]) } };
    }),

    reverse: viewKernel(context, (x, { axes }) => {
      const own = contiguousStrides(x.shape);
      const offset = axes.reduce((sum, a) => sum + Math.max(x.shape[a] - 1, 0) * own[a], 0);
      return { shape: x.shape, from: { offset, strides: own.map((s, d) => (axes.includes(d) ? -s : s)) } };
    }),

    // Tiling is a broadcast in disguise: output axis d, of length reps·n, is the pair (rep, i) with
    // the rep axis at stride 0 in the source.
    tile: viewKernel(context, (x, { reps }) => {
      const own = contiguousStrides(x.shape);
      return {
        shape: x.shape.flatMap((n, d) => [reps[d], n]),
        from: { offset: 0, strides: own.flatMap((s) => [0, s]) },
      };
    }),

    pad: ([x], { paddings, constantValue }, [out]) => {
      const result = context.output(out);
      fill(context, result, out.dtype, constantValue, sizeOf(out.shape));
      const outStrides = contiguousStrides(out.shape);
      const offset = paddings.reduce((sum, [before], d) => sum + before * outStrides[d], 0);
      copyView(context, out.dtype, x.shape, x, contiguous(x.shape), result, { offset, strides: outStrides });
      return [result];
    },

    concat: (inputs, { axis }, [out]) => {
      const result = context.output(out);
      const outStrides = contiguousStrides(out.shape);
      let at = 0;
      for (const x of inputs) {
        copyView(context, out.dtype, x.shape, x, contiguous(x.shape), result, { offset: at * outStrides[axis], strides: outStrides });
        at += x.shape[axis];
      }
      return [result];
    },

    gather: ([x, indices], { axis, batchDims }, [out]) => {
      const result = context.output(out);
      if (sizeOf(out.shape) === 0) return [result];
      const batch = sizeOf(x.shape.slice(0, batchDims));
      const outer = sizeOf(x.shape.slice(batchDims, axis));
      const inner = sizeOf(x.shape.slice(axis + 1));
      const count = sizeOf(indices.shape.slice(batchDims));
      context.call('gather', context.address(x), context.address(indices), context.address(result), batch, outer, x.shape[axis], inner, count, shiftOf(x.dtype));
      return [result];
    },

    unsortedSegmentSum: ([data, segmentIds], { numSegments }, [out]) => {
      const result = context.output(out);
      const cells = sizeOf(out.shape);
      if (cells === 0) return [result];
      const count = sizeOf(segmentIds.shape);
      const inner = sizeOf(data.shape.slice(segmentIds.shape.length));
      if (out.dtype === 'float32') {
        const accumulator = context.scratch(cells * 8);
        try {
          context.call('fill_f64', accumulator, 0, cells);
          if (count > 0) context.call('segment_sum_f32', context.address(data), context.address(segmentIds), accumulator, count, inner, numSegments);
          context.call('demote_f64_f32', accumulator, context.address(result), cells);
        } finally {
          context.release(accumulator);
        }
      } else if (out.dtype === 'int32') {
        fill(context, result, 'int32', 0, cells);
        if (count > 0) context.call('segment_sum_i32', context.address(data), context.address(segmentIds), context.address(result), count, inner, numSegments);
      } else {
        throw new Error(`unsortedSegmentSum: the wasm backend sums float32 and int32 data, got ${out.dtype}`);
      }
      return [result];
    },
  };
}
