// dtype conversions. Float → int32 follows the reference's `Math.trunc(v) | 0`: truncation toward
// zero, NaN and ±Infinity to 0, and values outside int32 wrapped modulo 2^32 (not saturated, which is
// what wasm's own conversion would do). Anything nonzero (NaN included) becomes true.

const TWO_POW_31: f32 = 2147483648.0;
const TWO_POW_63: f32 = 9223372036854775808.0;

// @ts-ignore: decorator
@inline function wrapToI32(x: f32): i32 {
  if (Mathf.abs(x) < TWO_POW_31) return <i32>x;
  // Beyond 2^63 every f32 is a multiple of 2^40, so its residue modulo 2^32 is 0; NaN and ±Inf give 0.
  if (!(Mathf.abs(x) < TWO_POW_63)) return 0;
  return <i32><i64>x;
}

export function cast_f32_i32(xs: usize, outs: usize, n: i32): void {
  let i = 0;
  const limit = f32x4.splat(TWO_POW_31);
  for (; i + 4 <= n; i += 4) {
    const offset = <usize>i << 2;
    const x = v128.load(xs + offset);
    if (v128.all_true<i32>(f32x4.lt(f32x4.abs(x), limit))) {
      v128.store(outs + offset, i32x4.trunc_sat_f32x4_s(x));
    } else {
      for (let j = 0; j < 4; j++) store<i32>(outs + offset + (<usize>j << 2), wrapToI32(load<f32>(xs + offset + (<usize>j << 2))));
    }
  }
  for (; i < n; i++) store<i32>(outs + (<usize>i << 2), wrapToI32(load<f32>(xs + (<usize>i << 2))));
}

export function cast_i32_f32(xs: usize, outs: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(outs + (<usize>i << 2), f32x4.convert_i32x4_s(v128.load(xs + (<usize>i << 2))));
  for (; i < n; i++) store<f32>(outs + (<usize>i << 2), <f32>load<i32>(xs + (<usize>i << 2)));
}

// To bool, sixteen at a time: four lane masks (x != 0, true for NaN) narrowed to bytes of 0 or 1.
// @ts-ignore: decorator
@inline function nonzeroBytes(m0: v128, m1: v128, m2: v128, m3: v128): v128 {
  return v128.and(i8x16.narrow_i16x8_s(i16x8.narrow_i32x4_s(m0, m1), i16x8.narrow_i32x4_s(m2, m3)), i8x16.splat(1));
}

export function cast_f32_bool(xs: usize, outs: usize, n: i32): void {
  let i = 0;
  const zero = f32x4.splat(0);
  for (; i + 16 <= n; i += 16) {
    const at = xs + (<usize>i << 2);
    const bytes = nonzeroBytes(
      f32x4.ne(v128.load(at), zero), f32x4.ne(v128.load(at + 16), zero),
      f32x4.ne(v128.load(at + 32), zero), f32x4.ne(v128.load(at + 48), zero),
    );
    v128.store(outs + <usize>i, bytes);
  }
  for (; i < n; i++) store<u8>(outs + <usize>i, <u8>(load<f32>(xs + (<usize>i << 2)) != 0));
}

export function cast_i32_bool(xs: usize, outs: usize, n: i32): void {
  let i = 0;
  const zero = i32x4.splat(0);
  for (; i + 16 <= n; i += 16) {
    const at = xs + (<usize>i << 2);
    const bytes = nonzeroBytes(
      i32x4.ne(v128.load(at), zero), i32x4.ne(v128.load(at + 16), zero),
      i32x4.ne(v128.load(at + 32), zero), i32x4.ne(v128.load(at + 48), zero),
    );
    v128.store(outs + <usize>i, bytes);
  }
  for (; i < n; i++) store<u8>(outs + <usize>i, <u8>(load<i32>(xs + (<usize>i << 2)) != 0));
}

// From bool, four at a time: four bytes widened to four i32 lanes (then converted, for f32).
// @ts-ignore: decorator
@inline function widenFourBytes(at: usize): v128 {
  return i32x4.extend_low_i16x8_u(i16x8.extend_low_i8x16_u(v128.load32_zero(at)));
}

export function cast_bool_f32(xs: usize, outs: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(outs + (<usize>i << 2), f32x4.convert_i32x4_u(widenFourBytes(xs + <usize>i)));
  for (; i < n; i++) store<f32>(outs + (<usize>i << 2), <f32>load<u8>(xs + <usize>i));
}

export function cast_bool_i32(xs: usize, outs: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(outs + (<usize>i << 2), widenFourBytes(xs + <usize>i));
  for (; i < n; i++) store<i32>(outs + (<usize>i << 2), <i32>load<u8>(xs + <usize>i));
}

// ---- where --------------------------------------------------------------------------------------

export function where_32_row(cs: usize, cStride: i32, xs: usize, xStride: i32, ys: usize, yStride: i32, outs: usize, n: i32): void {
  let i = 0;
  if (cStride == 1 && xStride == 1 && yStride == 1) {
    for (; i + 4 <= n; i += 4) {
      // Four condition bytes widened to four lane masks.
      const bytes = v128.load32_zero(cs + <usize>i);
      const wide = i32x4.extend_low_i16x8_u(i16x8.extend_low_i8x16_u(bytes));
      const mask = i32x4.ne(wide, i32x4.splat(0));
      const offset = <usize>i << 2;
      v128.store(outs + offset, v128.bitselect(v128.load(xs + offset), v128.load(ys + offset), mask));
    }
  }
  for (; i < n; i++) {
    const c = load<u8>(cs + <usize>(i * cStride));
    const source = c != 0 ? xs + (<usize>(i * xStride) << 2) : ys + (<usize>(i * yStride) << 2);
    store<i32>(outs + (<usize>i << 2), load<i32>(source));
  }
}

export function where_8_row(cs: usize, cStride: i32, xs: usize, xStride: i32, ys: usize, yStride: i32, outs: usize, n: i32): void {
  for (let i = 0; i < n; i++) {
    const c = load<u8>(cs + <usize>(i * cStride));
    store<u8>(outs + <usize>i, c != 0 ? load<u8>(xs + <usize>(i * xStride)) : load<u8>(ys + <usize>(i * yStride)));
  }
}

/** where for 4-byte dtypes (float32 and int32 select the same bits). */
export function where_32(cs: usize, xs: usize, ys: usize, outs: usize, plan: usize): void {
  forEachTernaryRow(where_32_row, cs, xs, ys, outs, plan, 2);
}

export function where_8(cs: usize, xs: usize, ys: usize, outs: usize, plan: usize): void {
  forEachTernaryRow(where_8_row, cs, xs, ys, outs, plan, 0);
}

import { forEachTernaryRow } from './broadcast';
