import type { AttrsOf, DataId, DType, KernelInput, TensorInfo } from '@tessera/core';
import { sizeOf } from '@tessera/core';
import type { WebGPUBackend } from '../backend.js';
import type { Program, ProgramInput } from '../runtime.js';
import { WGSL_TYPE } from '../runtime.js';
import { assertRank, input, padTo, run, stridesOf } from './common.js';
import { MATH_WGSL } from './math-wgsl.js';

/** Threads per output cell; each folds a strided share of the cell's inputs, then the tree halves them. */
const WORKGROUP = 64;

/** A reduction longer than this, over few enough cells, is split in chunks reduced in a second pass. */
const CHUNK = 4096;
const SPLIT_BELOW_CELLS = 1024;

/**
 * Parameters of every reduction: the kept axes (sizes, strides) locate a cell's first input, the
 * reduced axes (sizes, strides) walk its inputs; workgroup g reduces chunk g % chunks of cell g / chunks.
 * [numKept, keptSizes×8, keptStrides×8, numReduced, reducedSizes×8, reducedStrides×8, reduceSize, cells, chunkSize, chunks]
 */
function reductionParams(
  shape: readonly number[],
  axes: readonly number[],
  split = false,
): { params: number[]; cells: number; reduceSize: number; chunks: number } {
  const strides = stridesOf(shape);
  const kept = shape.map((_, d) => d).filter((d) => !axes.includes(d));
  const reduced = shape.map((_, d) => d).filter((d) => axes.includes(d));
  const cells = sizeOf(kept.map((d) => shape[d]));
  const reduceSize = sizeOf(reduced.map((d) => shape[d]));
  const params = [
    kept.length,
    ...padTo(kept.map((d) => shape[d]), 8, 1),
    ...padTo(kept.map((d) => strides[d])),
    reduced.length,
    ...padTo(reduced.map((d) => shape[d]), 8, 1),
    ...padTo(reduced.map((d) => strides[d])),
    reduceSize,
    cells,
  ];
  const chunks = split && cells < SPLIT_BELOW_CELLS && reduceSize > 2 * CHUNK ? Math.ceil(reduceSize / CHUNK) : 1;
  params.push(chunks > 1 ? CHUNK : reduceSize, chunks);
  return { params, cells, reduceSize, chunks };
}

const CELL_BASE = /* wgsl */ `
  let cell = group / q(37);
  let chunk = group % q(37);
  let live = cell < q(35);
  let first = chunk * q(36);
  let end = min(q(34), first + q(36));
  var base = 0;
  if (live) {
    var rem = cell;
    for (var d = q(0) - 1; d >= 0; d--) {
      let s = q(1 + d);
      base += (rem % s) * q(9 + d);
      rem = rem / s;
    }
  }`;

/** WGSL: offset of the r-th reduced element of the cell. */
const REDUCED_OFFSET = /* wgsl */ `
      var off = base;
      var rr = r;
      for (var d = q(17) - 1; d >= 0; d--) {
        let s = q(18 + d);
        off += (rr % s) * q(26 + d);
        rr = rr / s;
      }`;

function workgroups(cells: number): [number, number, number] {
  const x = Math.min(cells, 65535);
  return [x, Math.ceil(cells / x), 1];
}

interface Fold {
  /** Identity element, as WGSL of the accumulator type. */
  readonly init: string;
  /** Combines two accumulator values. */
  readonly combine: (a: string, b: string) => string;
}

function fold(op: string, dtype: DType): Fold {
  const isFloat = dtype === 'float32';
  switch (op) {
    case 'sum':
      return { init: isFloat ? '0.0' : '0', combine: (a, b) => `${a} + ${b}` };
    case 'prod':
      return { init: isFloat ? '1.0' : '1', combine: (a, b) => `${a} * ${b}` };
    case 'max':
      return isFloat ? { init: '-inf()', combine: (a, b) => `max_f(${a}, ${b})` } : { init: 'i32(-2147483647 - 1)', combine: (a, b) => `max(${a}, ${b})` };
    case 'min':
      return isFloat ? { init: 'inf()', combine: (a, b) => `min_f(${a}, ${b})` } : { init: '2147483647', combine: (a, b) => `min(${a}, ${b})` };
    case 'any':
      return { init: '0u', combine: (a, b) => `(${a} | ${b})` };
    default:
      return { init: '1u', combine: (a, b) => `(${a} & ${b})` };
  }
}

/** One pass of a fold reduction: workgroup g writes the fold of its chunk to y[g]. */
function foldPass(op: string, dtype: DType, params: number[], groups: number, source: ProgramInput): Program {
  const type = WGSL_TYPE[dtype];
  const { init, combine } = fold(op, dtype);
  return {
    key: `${op}:tree`,
    inputs: [source],
    outputDType: dtype,
    params,
    helpers: `${MATH_WGSL}\nvar<workgroup> partial: array<${type}, ${WORKGROUP}>;`,
    body: `${CELL_BASE}
  var acc: ${type} = ${init};
  if (live) {
    for (var r = first + lid; r < end; r += ${WORKGROUP}) {
      ${REDUCED_OFFSET}
      acc = ${combine('acc', 'x0[off]')};
    }
  }
  partial[lid] = acc;
  workgroupBarrier();
  for (var half = ${WORKGROUP / 2}; half > 0; half = half >> 1u) {
    if (lid < half) { partial[lid] = ${combine('partial[lid]', 'partial[lid + half]')}; }
    workgroupBarrier();
  }
  if (lid == 0 && live) { y[group] = partial[0]; }`,
    threads: groups * WORKGROUP,
    workgroupSize: WORKGROUP,
    workgroups: workgroups(groups),
  };
}

/**
 * sum, prod, max, min, any, all. A long reduction over few cells (a loss, a global max) is cut in
 * chunks so the whole GPU works on it; a second pass folds each cell's chunk results.
 */
function reduceKernel(backend: WebGPUBackend, op: string, x: KernelInput, axes: readonly number[], out: TensorInfo): DataId {
  assertRank(op, x.shape);
  backend.check(op);
  const { params, cells, chunks } = reductionParams(x.shape, axes, true);
  const source = input(backend, x, op);
  if (chunks === 1) return backend.track(backend.runtime.run(foldPass(op, out.dtype, params, cells, source), cells));
  const partials = backend.runtime.allocate(cells * chunks, out.dtype);
  backend.runtime.run(foldPass(op, out.dtype, params, cells * chunks, source), cells * chunks, partials);
  const second = reductionParams([cells, chunks], [1]).params;
  const result = backend.track(backend.runtime.run(foldPass(op, out.dtype, second, cells, { handle: partials, dtype: out.dtype }), cells));
  // Recorded work still reads the partials: the pool holds the buffer back until it is submitted.
  backend.runtime.release(partials.storage.buffer);
  return result;
}

/** argMax/argMin: (value, index) pairs; NaN beats every number and the lower index wins ties, as the reference. */
function argKernel(backend: WebGPUBackend, op: 'argMax' | 'argMin', x: KernelInput, axis: number, out: TensorInfo): DataId {
  assertRank(op, x.shape);
  const axes = x.shape.length === 0 ? [] : [axis < 0 ? axis + x.shape.length : axis];
  const { params, cells } = reductionParams(x.shape, axes);
  const type = WGSL_TYPE[x.dtype];
  const cmp = op === 'argMax' ? '>' : '<';
  const nanTest = x.dtype === 'float32' ? (v: string) => `is_nan(${v})` : () => 'false';
  return run(
    backend,
    {
      key: `${op}:tree`,
      inputs: [input(backend, x, op)],
      outputDType: 'int32',
      params,
      helpers: `${MATH_WGSL}
var<workgroup> values: array<${type}, ${WORKGROUP}>;
var<workgroup> indices: array<i32, ${WORKGROUP}>;
/** Whether (w, wi) beats (v, vi); vi < 0 marks an empty slot. */
fn beats(v: ${type}, vi: i32, w: ${type}, wi: i32) -> bool {
  if (wi < 0) { return false; }
  if (vi < 0) { return true; }
  if (${nanTest('w')}) { return !${nanTest('v')} || wi < vi; }
  if (${nanTest('v')}) { return false; }
  if (w ${cmp} v) { return true; }
  return w == v && wi < vi;
}`,
      body: `${CELL_BASE}
  var best: ${type} = ${type}(0);
  var bestAt = -1;
  if (live) {
    for (var r = first + lid; r < end; r += ${WORKGROUP}) {
      ${REDUCED_OFFSET}
      let v = x0[off];
      if (beats(best, bestAt, v, r)) { best = v; bestAt = r; }
    }
  }
  values[lid] = best;
  indices[lid] = bestAt;
  workgroupBarrier();
  for (var half = ${WORKGROUP / 2}; half > 0; half = half >> 1u) {
    if (lid < half && beats(values[lid], indices[lid], values[lid + half], indices[lid + half])) {
      values[lid] = values[lid + half];
      indices[lid] = indices[lid + half];
    }
    workgroupBarrier();
  }
  if (lid == 0 && live) { y[group] = max(indices[0], 0); }`,
      threads: cells * WORKGROUP,
      workgroupSize: WORKGROUP,
      workgroups: workgroups(cells),
    },
    out,
  );
}

export function reductionKernels(backend: WebGPUBackend) {
  const reduce =
    (op: string) =>
    ([x]: readonly KernelInput[], { axes }: AttrsOf<'sum'>, [out]: readonly TensorInfo[]) => [reduceKernel(backend, op, x, axes, out)];
  return {
    sum: reduce('sum'),
    prod: reduce('prod'),
    max: reduce('max'),
    min: reduce('min'),
    any: reduce('any'),
    all: reduce('all'),
    argMax: ([x]: readonly KernelInput[], { axis }: AttrsOf<'argMax'>, [out]: readonly TensorInfo[]) => [argKernel(backend, 'argMax', x, axis, out)],
    argMin: ([x]: readonly KernelInput[], { axis }: AttrsOf<'argMin'>, [out]: readonly TensorInfo[]) => [argKernel(backend, 'argMin', x, axis, out)],
  };
}
