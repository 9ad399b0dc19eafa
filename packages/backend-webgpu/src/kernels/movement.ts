import type { AttrsOf, DataId, KernelInput, TensorInfo } from '@tessera/core';
import { sizeOf } from '@tessera/core';
import type { WebGPUBackend } from '../backend.js';
import { allocate, assertRank, constantParam, input, padTo, paramAs, run, runInto, stridesOf } from './common.js';

/**
 * How each output axis reads its input: coordinate c = (index - low), wrapped modulo `extent` for
 * tile; outside [0, extent) it reads the pad value; the offset adds c · step.
 */
interface AxisMap {
  readonly extent: number;
  readonly step: number;
  readonly low: number;
}

/**
 * One kernel serves transpose, slice, stridedSlice, reverse, broadcastTo, tile and pad: each is a
 * per-axis affine map from output coordinates to an input offset.
 * Parameters: [rank, outShape×8, extent×8, step×8, low×8, base, padValue].
 */
function viewKernel(
  backend: WebGPUBackend,
  op: string,
  x: KernelInput,
  out: TensorInfo,
  axes: readonly AxisMap[],
  base: number,
  mode: 'plain' | 'tile' | 'pad',
  padValue = 0,
): DataId {
  assertRank(op, out.shape);
  const params = [
    out.shape.length,
    ...padTo(out.shape, 8, 1),
    ...padTo(axes.map((a) => a.extent), 8, 1),
    ...padTo(axes.map((a) => a.step)),
    ...padTo(axes.map((a) => a.low)),
    base,
    constantParam(padValue, out.dtype),
  ];
  const wrap = mode === 'tile' ? 'c = c % q(9 + d);' : '';
  const read = mode === 'pad' ? `select(${paramAs(34, out.dtype)}, x0[max(off, 0)], inside)` : 'x0[off]';
  return run(
    backend,
    {
      key: `${op}:view-${mode}`,
      inputs: [input(backend, x, op)],
      outputDType: out.dtype,
      params,
      body: `if (i >= n) { return; }
  var off = q(33);
  var inside = true;
  var rem = i;
  for (var d = q(0) - 1; d >= 0; d--) {
    let s = q(1 + d);
    var c = rem % s - q(25 + d);
    rem = rem / s;
    ${wrap}
    inside = inside && c >= 0 && c < q(9 + d);
    off += c * q(17 + d);
  }
  y[i] = ${read};`,
      threads: sizeOf(out.shape),
    },
    out,
  );
}

export function movementKernels(backend: WebGPUBackend) {
  return {
    reshape: ([x]: readonly KernelInput[]) => [backend.share(x.id)],

    transpose: ([x]: readonly KernelInput[], { perm }: AttrsOf<'transpose'>, [out]: readonly TensorInfo[]) => {
      const strides = stridesOf(x.shape);
      return [viewKernel(backend, 'transpose', x, out, perm.map((p) => ({ extent: x.shape[p], step: strides[p], low: 0 })), 0, 'plain')];
    },

    slice: ([x]: readonly KernelInput[], { begin }: AttrsOf<'slice'>, [out]: readonly TensorInfo[]) => {
      const strides = stridesOf(x.shape);
      const base = begin.reduce((sum, b, d) => sum + b * strides[d], 0);
      return [viewKernel(backend, 'slice', x, out, out.shape.map((size, d) => ({ extent: size, step: strides[d], low: 0 })), base, 'plain')];
    },

    stridedSlice: ([x]: readonly KernelInput[], { begin, strides: steps, shrinkAxes }: AttrsOf<'stridedSlice'>, [out]: readonly TensorInfo[]) => {
      const strides = stridesOf(x.shape);
      const base = x.shape.reduce((sum, _, d) => sum + begin[d] * strides[d], 0);
      const kept = x.shape.map((_, d) => d).filter((d) => !shrinkAxes.includes(d));
      const axes = kept.map((d, k) => ({ extent: out.shape[k], step: steps[d] * strides[d], low: 0 }));
      return [viewKernel(backend, 'stridedSlice', x, out, axes, base, 'plain')];
    },

    reverse: ([x]: readonly KernelInput[], { axes: flipped }: AttrsOf<'reverse'>, [out]: readonly TensorInfo[]) => {
      const strides = stridesOf(x.shape);
      let base = 0;
      const axes = x.shape.map((size, d) => {
        if (!flipped.includes(d)) return { extent: size, step: strides[d], low: 0 };
        base += (size - 1) * strides[d];
        return { extent: size, step: -strides[d], low: 0 };
      });
      return [viewKernel(backend, 'reverse', x, out, axes, base, 'plain')];
    },

    broadcastTo: ([x]: readonly KernelInput[], _attrs: AttrsOf<'broadcastTo'>, [out]: readonly TensorInfo[]) => {
      const strides = stridesOf(x.shape);
      const lead = out.shape.length - x.shape.length;
      const axes = out.shape.map((size, d) => {
        const own = d - lead;
        const broadcast = own < 0 || x.shape[own] === 1;
        return { extent: size, step: broadcast ? 0 : strides[own], low: 0 };
      });
      return [viewKernel(backend, 'broadcastTo', x, out, axes, 0, 'plain')];
    },

    tile: ([x]: readonly KernelInput[], _attrs: AttrsOf<'tile'>, [out]: readonly TensorInfo[]) => {
      const strides = stridesOf(x.shape);
      return [viewKernel(backend, 'tile', x, out, x.shape.map((size, d) => ({ extent: size, step: strides[d], low: 0 })), 0, 'tile')];
    },

    pad: ([x]: readonly KernelInput[], { paddings, constantValue }: AttrsOf<'pad'>, [out]: readonly TensorInfo[]) => {
      const strides = stridesOf(x.shape);
      const axes = x.shape.map((size, d) => ({ extent: size, step: strides[d], low: paddings[d][0] }));
      return [viewKernel(backend, 'pad', x, out, axes, 0, 'pad', constantValue)];
    },

    concat: (tensors: readonly KernelInput[], { axis }: AttrsOf<'concat'>, [out]: readonly TensorInfo[]) => {
      const output = allocate(backend, out);
      const inner = sizeOf(out.shape.slice(axis + 1));
      const outChunk = out.shape[axis] * inner;
      let offset = 0;
      for (const t of tensors) {
        const chunk = t.shape[axis] * inner;
        runInto(backend, {
          key: 'concat:copy',
          inputs: [input(backend, t, 'concat')],
          outputDType: out.dtype,
          params: [chunk, outChunk, offset],
          body: `if (i >= n) { return; }
  y[(i / q(0)) * q(1) + q(2) + i % q(0)] = x0[i];`,
          threads: sizeOf(t.shape),
        }, output);
        offset += chunk;
      }
      return [output];
    },

    gather: ([x, indices]: readonly KernelInput[], { axis, batchDims }: AttrsOf<'gather'>, [out]: readonly TensorInfo[]) => {
      const batch = sizeOf(x.shape.slice(0, batchDims));
      const outer = sizeOf(x.shape.slice(batchDims, axis));
      const extent = x.shape[axis];
      const inner = sizeOf(x.shape.slice(axis + 1));
      const picks = sizeOf(indices.shape.slice(batchDims));
      const zero = out.dtype === 'float32' ? '0.0' : out.dtype === 'int32' ? '0' : '0u';
      return [
        run(
          backend,
          {
            key: 'gather:flat',
            inputs: [input(backend, x, 'gather'), input(backend, indices, 'gather')],
            outputDType: out.dtype,
            params: [batch, outer, extent, inner, picks],
            // Out-of-range indices read 0, as the reference does.
            body: `if (i >= n) { return; }
  let s = i % q(3);
  let t = i / q(3);
  let k = t % q(4);
  let t2 = t / q(4);
  let p = t2 % q(1);
  let b = t2 / q(1);
  let id = i32(x1[b * q(4) + k]);
  if (id < 0 || id >= q(2)) { y[i] = ${zero}; return; }
  y[i] = x0[((b * q(1) + p) * q(2) + id) * q(3) + s];`,
            threads: sizeOf(out.shape),
          },
          out,
        ),
      ];
    },

    unsortedSegmentSum: ([data, ids]: readonly KernelInput[], { numSegments }: AttrsOf<'unsortedSegmentSum'>, [out]: readonly TensorInfo[]) => {
      const rows = sizeOf(ids.shape);
      const inner = sizeOf(data.shape.slice(ids.shape.length));
      const zero = out.dtype === 'float32' ? '0.0' : '0';
      return [
        run(
          backend,
          {
            key: 'unsortedSegmentSum:gather',
            inputs: [input(backend, data, 'unsortedSegmentSum'), input(backend, ids, 'unsortedSegmentSum')],
            outputDType: out.dtype,
            params: [rows, inner, numSegments],
            // One thread per output cell sums the rows of its segment, in row order (deterministic).
            body: `if (i >= n) { return; }
  let segment = i / q(1);
  let k = i % q(1);
  var acc = ${zero};
  for (var j = 0; j < q(0); j++) {
    if (i32(x1[j]) == segment) { acc += x0[j * q(1) + k]; }
  }
  y[i] = acc;`,
            threads: sizeOf(out.shape),
          },
          out,
        ),
      ];
    },
  };
}
