// Reductions over any set of axes, without transposing. The JS side collapses the input into runs
// and writes a plan [rank, shape[rank], accumulator strides[rank], index[rank]]: the input is read
// once, contiguously, and each innermost run is either folded into one accumulator cell
// (horizontally, when the innermost axis is reduced) or folded lane by lane into a run of
// accumulator cells (vertically, when it is kept). Float sums and products accumulate in f64, as
// the reference does, and are rounded to f32 by `demote_f64_f32` afterwards.

const SUM = 0;
const PROD = 1;
const MAX = 2;
const MIN = 3;

// @ts-ignore: decorator
@inline function foldF64(op: i32, a: f64, v: f64): f64 {
  return op == SUM ? a + v : a * v;
}

// @ts-ignore: decorator
@inline function foldF32(op: i32, a: f32, v: f32): f32 {
  return op == MAX ? max<f32>(a, v) : min<f32>(a, v);
}

// @ts-ignore: decorator
@inline function foldI32(op: i32, a: i32, v: i32): i32 {
  return op == SUM ? a + v : op == PROD ? a * v : op == MAX ? max<i32>(a, v) : min<i32>(a, v);
}

// @ts-ignore: decorator
@inline function foldVectorI32(op: i32, a: v128, v: v128): v128 {
  return op == SUM ? i32x4.add(a, v) : op == PROD ? i32x4.mul(a, v) : op == MAX ? i32x4.max_s(a, v) : i32x4.min_s(a, v);
}

/** Walks the rows of a reduction plan, calling `row(x, accumulator, n, horizontal)` for each. */
// @ts-ignore: decorator
@inline function forEachReductionRow(
  xs: usize, accs: usize, plan: usize, inShift: i32, accShift: i32,
  row: (x: usize, acc: usize, n: i32, horizontal: bool) => void,
): void {
  const rank = load<i32>(plan);
  const shape: usize = plan + 4;
  const strides = shape + (<usize>rank << 2);
  const index = strides + (<usize>rank << 2);
  const last: usize = <usize>(rank - 1) << 2;
  const n = load<i32>(shape + last);
  const horizontal = load<i32>(strides + last) == 0;
  let rows = 1;
  for (let d = 0; d < rank - 1; d++) {
    rows *= load<i32>(shape + (<usize>d << 2));
    store<i32>(index + (<usize>d << 2), 0);
  }
  let x = xs;
  let accOffset = 0;
  const rowBytes = <usize>n << inShift;
  for (let r = 0; r < rows; r++) {
    row(x, accs + (<usize>accOffset << accShift), n, horizontal);
    x += rowBytes;
    for (let d = rank - 2; d >= 0; d--) {
      const at: usize = <usize>d << 2;
      const i = load<i32>(index + at) + 1;
      const extent = load<i32>(shape + at);
      accOffset += load<i32>(strides + at);
      if (i < extent) {
        store<i32>(index + at, i);
        break;
      }
      store<i32>(index + at, 0);
      accOffset -= load<i32>(strides + at) * extent;
    }
  }
}

// ---- float32 sum and product, accumulated in f64 -------------------------------------------------

// @ts-ignore: decorator
@inline function rowF64(op: i32, x: usize, acc: usize, n: i32, horizontal: bool): void {
  let i = 0;
  if (horizontal) {
    let total = load<f64>(acc);
    if (op == SUM) {
      let lanes0 = f64x2.splat(0);
      let lanes1 = f64x2.splat(0);
      for (; i + 4 <= n; i += 4) {
        const v = v128.load(x + (<usize>i << 2));
        lanes0 = f64x2.add(lanes0, f64x2.promote_low_f32x4(v));
        lanes1 = f64x2.add(lanes1, f64x2.promote_low_f32x4(i32x4.shuffle(v, v, 2, 3, 0, 1)));
      }
      const lanes = f64x2.add(lanes0, lanes1);
      total += f64x2.extract_lane(lanes, 0) + f64x2.extract_lane(lanes, 1);
    }
    for (; i < n; i++) total = foldF64(op, total, <f64>load<f32>(x + (<usize>i << 2)));
    store<f64>(acc, total);
  } else {
    // Each accumulator cell takes its values in the reference's order: two cells per step.
    for (; i + 2 <= n; i += 2) {
      const at = acc + (<usize>i << 3);
      const v = f64x2.promote_low_f32x4(v128.load64_zero(x + (<usize>i << 2)));
      v128.store(at, op == SUM ? f64x2.add(v128.load(at), v) : f64x2.mul(v128.load(at), v));
    }
    for (; i < n; i++) {
      const at = acc + (<usize>i << 3);
      store<f64>(at, foldF64(op, load<f64>(at), <f64>load<f32>(x + (<usize>i << 2))));
    }
  }
}

function sumRowF64(x: usize, acc: usize, n: i32, horizontal: bool): void { rowF64(SUM, x, acc, n, horizontal); }
function prodRowF64(x: usize, acc: usize, n: i32, horizontal: bool): void { rowF64(PROD, x, acc, n, horizontal); }

export function reduce_sum_f32(xs: usize, accs: usize, plan: usize): void { forEachReductionRow(xs, accs, plan, 2, 3, sumRowF64); }
export function reduce_prod_f32(xs: usize, accs: usize, plan: usize): void { forEachReductionRow(xs, accs, plan, 2, 3, prodRowF64); }

export function demote_f64_f32(xs: usize, outs: usize, n: i32): void {
  let i = 0;
  for (; i + 2 <= n; i += 2) v128.store64_lane(outs + (<usize>i << 2), f32x4.demote_f64x2_zero(v128.load(xs + (<usize>i << 3))), 0);
  for (; i < n; i++) store<f32>(outs + (<usize>i << 2), <f32>load<f64>(xs + (<usize>i << 3)));
}

export function fill_f64(outs: usize, value: f64, n: i32): void {
  let i = 0;
  const splat = f64x2.splat(value);
  for (; i + 2 <= n; i += 2) v128.store(outs + (<usize>i << 3), splat);
  for (; i < n; i++) store<f64>(outs + (<usize>i << 3), value);
}

/** dst[i] = dst[i] + src[i] (op 0) or dst[i] * src[i] (op 1): threads' f64 partial sums or products folded together. */
export function fold_f64(op: i32, dst: usize, src: usize, n: i32): void {
  let i = 0;
  for (; i + 2 <= n; i += 2) {
    const at = dst + (<usize>i << 3);
    const v = v128.load(src + (<usize>i << 3));
    v128.store(at, op == SUM ? f64x2.add(v128.load(at), v) : f64x2.mul(v128.load(at), v));
  }
  for (; i < n; i++) {
    const at = dst + (<usize>i << 3);
    store<f64>(at, foldF64(op, load<f64>(at), load<f64>(src + (<usize>i << 3))));
  }
}

// ---- float32 max and min (exact in f32; NaN propagates through wasm's min and max) --------------

// @ts-ignore: decorator
@inline function rowF32(op: i32, x: usize, acc: usize, n: i32, horizontal: bool): void {
  let i = 0;
  if (horizontal) {
    // Four independent chains: wasm's NaN-propagating max and min are several instructions each on
    // x64, and one chain would wait on every step. Max and min are exact in any order (NaN wins,
    // and +0 beats -0 for max either way), so the result is the one-chain result.
    let lanes = v128.splat<f32>(load<f32>(acc));
    let lanes1 = lanes;
    let lanes2 = lanes;
    let lanes3 = lanes;
    for (; i + 16 <= n; i += 16) {
      const at = x + (<usize>i << 2);
      if (op == MAX) {
        lanes = f32x4.max(lanes, v128.load(at));
        lanes1 = f32x4.max(lanes1, v128.load(at, 16));
        lanes2 = f32x4.max(lanes2, v128.load(at, 32));
        lanes3 = f32x4.max(lanes3, v128.load(at, 48));
      } else {
        lanes = f32x4.min(lanes, v128.load(at));
        lanes1 = f32x4.min(lanes1, v128.load(at, 16));
        lanes2 = f32x4.min(lanes2, v128.load(at, 32));
        lanes3 = f32x4.min(lanes3, v128.load(at, 48));
      }
    }
    lanes = op == MAX ? f32x4.max(f32x4.max(lanes, lanes1), f32x4.max(lanes2, lanes3)) : f32x4.min(f32x4.min(lanes, lanes1), f32x4.min(lanes2, lanes3));
    for (; i + 4 <= n; i += 4) {
      const v = v128.load(x + (<usize>i << 2));
      lanes = op == MAX ? f32x4.max(lanes, v) : f32x4.min(lanes, v);
    }
    let total = foldF32(op, foldF32(op, f32x4.extract_lane(lanes, 0), f32x4.extract_lane(lanes, 1)),
      foldF32(op, f32x4.extract_lane(lanes, 2), f32x4.extract_lane(lanes, 3)));
    for (; i < n; i++) total = foldF32(op, total, load<f32>(x + (<usize>i << 2)));
    store<f32>(acc, total);
  } else {
    for (; i + 4 <= n; i += 4) {
      const at = acc + (<usize>i << 2);
      const v = v128.load(x + (<usize>i << 2));
      v128.store(at, op == MAX ? f32x4.max(v128.load(at), v) : f32x4.min(v128.load(at), v));
    }
    for (; i < n; i++) {
      const at = acc + (<usize>i << 2);
      store<f32>(at, foldF32(op, load<f32>(at), load<f32>(x + (<usize>i << 2))));
    }
  }
}

function maxRowF32(x: usize, acc: usize, n: i32, horizontal: bool): void { rowF32(MAX, x, acc, n, horizontal); }
function minRowF32(x: usize, acc: usize, n: i32, horizontal: bool): void { rowF32(MIN, x, acc, n, horizontal); }

export function reduce_max_f32(xs: usize, accs: usize, plan: usize): void { forEachReductionRow(xs, accs, plan, 2, 2, maxRowF32); }
export function reduce_min_f32(xs: usize, accs: usize, plan: usize): void { forEachReductionRow(xs, accs, plan, 2, 2, minRowF32); }

// ---- int32: wrapping sum and product, max, min ------------------------------------------------------

// @ts-ignore: decorator
@inline function rowI32(op: i32, x: usize, acc: usize, n: i32, horizontal: bool): void {
  let i = 0;
  if (horizontal) {
    let lanes = op == SUM ? i32x4.splat(0) : op == PROD ? i32x4.splat(1) : v128.splat<i32>(load<i32>(acc));
    for (; i + 4 <= n; i += 4) lanes = foldVectorI32(op, lanes, v128.load(x + (<usize>i << 2)));
    let total = foldI32(op, foldI32(op, i32x4.extract_lane(lanes, 0), i32x4.extract_lane(lanes, 1)),
      foldI32(op, i32x4.extract_lane(lanes, 2), i32x4.extract_lane(lanes, 3)));
    total = foldI32(op, load<i32>(acc), total);
    for (; i < n; i++) total = foldI32(op, total, load<i32>(x + (<usize>i << 2)));
    store<i32>(acc, total);
  } else {
    for (; i + 4 <= n; i += 4) {
      const at = acc + (<usize>i << 2);
      v128.store(at, foldVectorI32(op, v128.load(at), v128.load(x + (<usize>i << 2))));
    }
    for (; i < n; i++) {
      const at = acc + (<usize>i << 2);
      store<i32>(at, foldI32(op, load<i32>(at), load<i32>(x + (<usize>i << 2))));
    }
  }
}

function sumRowI32(x: usize, acc: usize, n: i32, horizontal: bool): void { rowI32(SUM, x, acc, n, horizontal); }
function prodRowI32(x: usize, acc: usize, n: i32, horizontal: bool): void { rowI32(PROD, x, acc, n, horizontal); }
function maxRowI32(x: usize, acc: usize, n: i32, horizontal: bool): void { rowI32(MAX, x, acc, n, horizontal); }
function minRowI32(x: usize, acc: usize, n: i32, horizontal: bool): void { rowI32(MIN, x, acc, n, horizontal); }

export function reduce_sum_i32(xs: usize, accs: usize, plan: usize): void { forEachReductionRow(xs, accs, plan, 2, 2, sumRowI32); }
export function reduce_prod_i32(xs: usize, accs: usize, plan: usize): void { forEachReductionRow(xs, accs, plan, 2, 2, prodRowI32); }
export function reduce_max_i32(xs: usize, accs: usize, plan: usize): void { forEachReductionRow(xs, accs, plan, 2, 2, maxRowI32); }
export function reduce_min_i32(xs: usize, accs: usize, plan: usize): void { forEachReductionRow(xs, accs, plan, 2, 2, minRowI32); }

// ---- bool: any and all ------------------------------------------------------------------------------

function anyRow(x: usize, acc: usize, n: i32, horizontal: bool): void {
  if (horizontal) {
    let found: u8 = load<u8>(acc);
    for (let i = 0; i < n && found == 0; i++) found = load<u8>(x + <usize>i) != 0 ? 1 : 0;
    store<u8>(acc, found);
  } else {
    for (let i = 0; i < n; i++) if (load<u8>(x + <usize>i) != 0) store<u8>(acc + <usize>i, 1);
  }
}

function allRow(x: usize, acc: usize, n: i32, horizontal: bool): void {
  if (horizontal) {
    let every: u8 = load<u8>(acc);
    for (let i = 0; i < n && every != 0; i++) every = load<u8>(x + <usize>i) != 0 ? 1 : 0;
    store<u8>(acc, every);
  } else {
    for (let i = 0; i < n; i++) if (load<u8>(x + <usize>i) == 0) store<u8>(acc + <usize>i, 0);
  }
}

export function reduce_any_bool(xs: usize, accs: usize, plan: usize): void { forEachReductionRow(xs, accs, plan, 0, 0, anyRow); }
export function reduce_all_bool(xs: usize, accs: usize, plan: usize): void { forEachReductionRow(xs, accs, plan, 0, 0, allRow); }

// ---- argMax and argMin along one axis of [outer, length, inner] ----------------------------------

// @ts-ignore: decorator
@inline function argReduce<T>(isMax: bool, xs: usize, outs: usize, outer: i32, length: i32, inner: i32): void {
  const shift: usize = sizeof<T>() == 4 ? 2 : 0;
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < inner; j++) {
      let at: usize = xs + ((<usize>o * <usize>length * <usize>inner + <usize>j) << shift);
      let best = load<T>(at);
      let bestAt = 0;
      // NaN beats everything and the first one wins; ties keep the first index.
      for (let k = 1; k < length && best == best; k++) {
        at += <usize>inner << shift;
        const v = load<T>(at);
        if (v != v || (isMax ? v > best : v < best)) {
          best = v;
          bestAt = k;
        }
      }
      store<i32>(outs + ((<usize>o * <usize>inner + <usize>j) << 2), bestAt);
    }
  }
}

export function argmax_f32(xs: usize, outs: usize, outer: i32, length: i32, inner: i32): void { argReduce<f32>(true, xs, outs, outer, length, inner); }
export function argmin_f32(xs: usize, outs: usize, outer: i32, length: i32, inner: i32): void { argReduce<f32>(false, xs, outs, outer, length, inner); }
export function argmax_i32(xs: usize, outs: usize, outer: i32, length: i32, inner: i32): void { argReduce<i32>(true, xs, outs, outer, length, inner); }
export function argmin_i32(xs: usize, outs: usize, outer: i32, length: i32, inner: i32): void { argReduce<i32>(false, xs, outs, outer, length, inner); }
export function argmax_bool(xs: usize, outs: usize, outer: i32, length: i32, inner: i32): void { argReduce<u8>(true, xs, outs, outer, length, inner); }
export function argmin_bool(xs: usize, outs: usize, outer: i32, length: i32, inner: i32): void { argReduce<u8>(false, xs, outs, outer, length, inner); }
