import type { DataId, KernelInput } from '../../../backend.js';
import type { TensorInfo } from '../../../ops/op.js';
import type { Shape } from '../../../shape.js';
import { sizeOf } from '../../../shape.js';
import { reductionMovementPrimitives } from '../../../ops/groups/reduction-movement.js';
import type { KernelsFor, ReferenceStore } from '../store.js';
import { broadcastIndexMap, coerceFor, output, ravel, unravel } from '../store.js';

/**
 * A generic reduction: visits every input element, folding it into the output cell it reduces to.
 * `fold(accumulator, value)` starts from `init` and runs in doubles.
 */
export function reduce(
  store: ReferenceStore,
  x: KernelInput,
  axes: readonly number[],
  out: TensorInfo,
  init: number,
  fold: (acc: number, value: number) => number,
): DataId {
  const values = store.values(x.id);
  const keptShape = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const acc = new Float64Array(out.shape.reduce((p, d) => p * d, 1)).fill(init);
  for (let i = 0; i < values.length; i++) {
    const index = unravel(i, x.shape);
    const cell = ravel(index.map((v, d) => (axes.includes(d) ? 0 : v)), keptShape);
    acc[cell] = fold(acc[cell], values[i]);
  }
  const result = output(out.dtype, out.shape);
  const coerce = coerceFor(out.dtype);
  for (let i = 0; i < result.length; i++) result[i] = coerce(acc[i]);
  return store.create(result);
}

/** Reads values at a multi-index of a tensor (row-major). */
function at(values: ArrayLike<number>, shape: Shape, index: readonly number[]): number {
  return values[ravel(index, shape)];
}

/** Fills an output element by element from its multi-index. */
function generate(store: ReferenceStore, out: TensorInfo, valueAt: (index: number[]) => number): DataId {
  const result = output(out.dtype, out.shape);
  const coerce = coerceFor(out.dtype);
  for (let i = 0; i < result.length; i++) result[i] = coerce(valueAt(unravel(i, out.shape)));
  return store.create(result);
}

/** The index of the winning element along `axis`; NaN beats everything and the first one wins ties. */
function argReduce(store: ReferenceStore, x: KernelInput, axis: number, out: TensorInfo, beats: (v: number, best: number) => boolean): DataId {
  const values = store.values(x.id);
  if (x.shape.length === 0) return generate(store, out, () => 0);
  return generate(store, out, (index) => {
    const source = [...index.slice(0, axis), 0, ...index.slice(axis)];
    let best = at(values, x.shape, source);
    let bestAt = 0;
    for (let k = 1; k < x.shape[axis] && !Number.isNaN(best); k++) {
      source[axis] = k;
      const v = at(values, x.shape, source);
      if (Number.isNaN(v) || beats(v, best)) {
        best = v;
        bestAt = k;
      }
    }
    return bestAt;
  });
}

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

export function reductionMovementKernels(store: ReferenceStore): KernelsFor<typeof reductionMovementPrimitives> {
  return {
    sum: ([x], { axes }, [out]) => [reduce(store, x, axes, out, 0, (a, v) => a + v)],
    // Math.max and Math.min return NaN when either side is NaN, which is the propagation we want.
    max: ([x], { axes }, [out]) => [reduce(store, x, axes, out, out.dtype === 'int32' ? INT32_MIN : -Infinity, Math.max)],
    min: ([x], { axes }, [out]) => [reduce(store, x, axes, out, out.dtype === 'int32' ? INT32_MAX : Infinity, Math.min)],
    // int32 products wrap like int32 multiplication; doubles would lose the low bits past 2^53.
    prod: ([x], { axes }, [out]) => [reduce(store, x, axes, out, 1, out.dtype === 'int32' ? Math.imul : (a, v) => a * v)],
    any: ([x], { axes }, [out]) => [reduce(store, x, axes, out, 0, (a, v) => (a !== 0 || v !== 0 ? 1 : 0))],
    all: ([x], { axes }, [out]) => [reduce(store, x, axes, out, 1, (a, v) => (a !== 0 && v !== 0 ? 1 : 0))],
    argMax: ([x], { axis }, [out]) => [argReduce(store, x, axis, out, (v, best) => v > best)],
    argMin: ([x], { axis }, [out]) => [argReduce(store, x, axis, out, (v, best) => v < best)],
    reshape: ([x]) => [store.share(x.id)],
    broadcastTo: ([x], _attrs, [out]) => {
      const values = store.values(x.id);
      const map = broadcastIndexMap(x.shape, out.shape);
      const result = output(out.dtype, out.shape);
      for (let i = 0; i < result.length; i++) result[i] = values[map[i]];
      return [store.create(result)];
    },
    transpose: ([x], { perm }, [out]) => {
      const values = store.values(x.id);
      return [
        generate(store, out, (index) => {
          const source = new Array<number>(perm.length);
          perm.forEach((p, d) => (source[p] = index[d]));
          return at(values, x.shape, source);
        }),
      ];
    },
    slice: ([x], { begin }, [out]) => {
      const values = store.values(x.id);
      return [generate(store, out, (index) => at(values, x.shape, index.map((v, d) => v + begin[d])))];
    },
    stridedSlice: ([x], { begin, strides, shrinkAxes }, [out]) => {
      const values = store.values(x.id);
      return [
        generate(store, out, (index) => {
          const source: number[] = [];
          let next = 0;
          for (let d = 0; d < x.shape.length; d++) {
            const k = shrinkAxes.includes(d) ? 0 : index[next++];
            source.push(begin[d] + k * strides[d]);
          }
          return at(values, x.shape, source);
        }),
      ];
    },
    pad: ([x], { paddings, constantValue }, [out]) => {
      const values = store.values(x.id);
      return [
        generate(store, out, (index) => {
          const source = index.map((v, d) => v - paddings[d][0]);
          return source.every((v, d) => v >= 0 && v < x.shape[d]) ? at(values, x.shape, source) : constantValue;
        }),
      ];
    },
    reverse: ([x], { axes }, [out]) => {
      const values = store.values(x.id);
      return [generate(store, out, (index) => at(values, x.shape, index.map((v, d) => (axes.includes(d) ? x.shape[d] - 1 - v : v))))];
    },
    tile: ([x], _attrs, [out]) => {
      const values = store.values(x.id);
      return [generate(store, out, (index) => at(values, x.shape, index.map((v, d) => v % x.shape[d])))];
    },
    concat: (tensors, { axis }, [out]) => {
      const values = tensors.map((t) => store.values(t.id));
      return [
        generate(store, out, (index) => {
          let k = 0;
          let offset = index[axis];
          while (offset >= tensors[k].shape[axis]) offset -= tensors[k++].shape[axis];
          return at(values[k], tensors[k].shape, index.map((v, d) => (d === axis ? offset : v)));
        }),
      ];
    },
    gather: ([x, indices], { axis, batchDims }, [out]) => {
      const values = store.values(x.id);
      const ids = store.values(indices.id);
      const indexRank = indices.shape.length - batchDims;
      return [
        generate(store, out, (index) => {
          const batch = index.slice(0, batchDims);
          const id = at(ids, indices.shape, [...batch, ...index.slice(axis, axis + indexRank)]);
          // Out of range reads give 0 rather than an error: see gather's documentation.
          if (id < 0 || id >= x.shape[axis]) return 0;
          return at(values, x.shape, [...index.slice(0, axis), id, ...index.slice(axis + indexRank)]);
        }),
      ];
    },
    unsortedSegmentSum: ([data, segmentIds], { numSegments }, [out]) => {
      const values = store.values(data.id);
      const ids = store.values(segmentIds.id);
      const inner = sizeOf(data.shape.slice(segmentIds.shape.length));
      const acc = new Float64Array(sizeOf(out.shape));
      for (let i = 0; i < values.length; i++) {
        const id = ids[Math.floor(i / inner)];
        if (id >= 0 && id < numSegments) acc[id * inner + (i % inner)] += values[i];
      }
      const result = output(out.dtype, out.shape);
      const coerce = coerceFor(out.dtype);
      for (let i = 0; i < result.length; i++) result[i] = coerce(acc[i]);
      return [store.create(result)];
    },
  };
}
