// Scalar and v128 helpers of the elementwise kernels. Each reproduces the formula declared by the
// primitive in @tessera/core, computing in f64 wherever the reference's double arithmetic could
// round differently than f32 arithmetic would.

/** Floor modulo: the remainder takes the divisor's sign. fmod is exact, so f32 suffices. */
export function floorModF32(a: f32, b: f32): f32 {
  const r = a % b;
  return r != 0 && (r < 0) != (b < 0) ? r + b : r;
}

/** Floor modulo on int32; modulo zero gives 0 (TensorFlow's integer kernels do not trap). */
export function floorModI32(a: i32, b: i32): i32 {
  if (b == 0) return 0;
  const r = a % b;
  return r != 0 && (r < 0) != (b < 0) ? r + b : r;
}

/** Math.pow, except that 1 (and -1 to ±Infinity) give 1, as the primitive defines. */
export function powF64(a: f64, b: f64): f64 {
  if (a == 1 || (a == -1 && (b == Infinity || b == -Infinity))) return 1;
  return Math.pow(a, b);
}

/** Integer power by squaring with wrapping products; negative exponents give 1/a truncated. */
export function powI32(a: i32, b: i32): i32 {
  if (b < 0) return a == 1 ? 1 : a == -1 ? ((b & 1) != 0 ? -1 : 1) : 0;
  let result = 1;
  let base = a;
  for (let exponent = <u32>b; exponent > 0; exponent >>= 1) {
    if ((exponent & 1) != 0) result *= base;
    base *= base;
  }
  return result;
}

/** The logistic function without overflow for large |x|. */
export function sigmoidF64(x: f64): f64 {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

// ln 2 split so that n · LN2_HIGH is exact for |n| < 2^11 (LN2_HIGH has 21 trailing zero bits).
const LN2_HIGH: f64 = 6.93147180369123816490e-01;
const LN2_LOW: f64 = 1.90821492927058770002e-10;
const LOG2_E: f64 = 1.4426950408889634;

/**
 * e^x on two f64 lanes, to about 2^-52 relative: x = n ln2 + r with |r| <= ln2/2, e^r by its
 * degree-12 Taylor polynomial (remainder below 2e-16), times 2^n built in the exponent bits. Inputs
 * are clamped to [-110, 100], where every f32 result is already 0 or Infinity after rounding.
 * NaN propagates (wasm's min and max return NaN).
 */
// @ts-ignore: decorator
@inline function expF64x2(x: v128): v128 {
  const clamped = f64x2.max(f64x2.min(x, f64x2.splat(100)), f64x2.splat(-110));
  const n = f64x2.nearest(f64x2.mul(clamped, f64x2.splat(LOG2_E)));
  const r = f64x2.sub(f64x2.sub(clamped, f64x2.mul(n, f64x2.splat(LN2_HIGH))), f64x2.mul(n, f64x2.splat(LN2_LOW)));
  let p = f64x2.splat(1.0 / 479001600.0);
  p = f64x2.add(f64x2.mul(p, r), f64x2.splat(1.0 / 39916800.0));
  p = f64x2.add(f64x2.mul(p, r), f64x2.splat(1.0 / 3628800.0));
  p = f64x2.add(f64x2.mul(p, r), f64x2.splat(1.0 / 362880.0));
  p = f64x2.add(f64x2.mul(p, r), f64x2.splat(1.0 / 40320.0));
  p = f64x2.add(f64x2.mul(p, r), f64x2.splat(1.0 / 5040.0));
  p = f64x2.add(f64x2.mul(p, r), f64x2.splat(1.0 / 720.0));
  p = f64x2.add(f64x2.mul(p, r), f64x2.splat(1.0 / 120.0));
  p = f64x2.add(f64x2.mul(p, r), f64x2.splat(1.0 / 24.0));
  p = f64x2.add(f64x2.mul(p, r), f64x2.splat(1.0 / 6.0));
  p = f64x2.add(f64x2.mul(p, r), f64x2.splat(0.5));
  p = f64x2.add(f64x2.mul(p, r), f64x2.splat(1.0));
  p = f64x2.add(f64x2.mul(p, r), f64x2.splat(1.0));
  const exponent = i64x2.extend_low_i32x4_s(i32x4.trunc_sat_f64x2_s_zero(n));
  return f64x2.mul(p, i64x2.shl(i64x2.add(exponent, i64x2.splat(1023)), 52));
}

/** The logistic function on two f64 lanes, as sigmoidF64 computes it: e = e^-|x| never overflows. */
// @ts-ignore: decorator
@inline function sigmoidF64x2(x: v128): v128 {
  const e = expF64x2(f64x2.neg(f64x2.abs(x)));
  const denominator = f64x2.add(f64x2.splat(1.0), e);
  const positive = f64x2.div(f64x2.splat(1.0), denominator);
  const negative = f64x2.div(e, denominator);
  return v128.bitselect(positive, negative, f64x2.ge(x, f64x2.splat(0)));
}

// Four f32 lanes go through an f64x2 function in two halves, each result rounded to f32 once, so
// the lanes get what the reference's double computation rounds to.

// @ts-ignore: decorator
@inline function highHalf(x: v128): v128 {
  return f64x2.promote_low_f32x4(i8x16.shuffle(x, x, 8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7));
}

// @ts-ignore: decorator
@inline function narrowHalves(low: v128, high: v128): v128 {
  return i8x16.shuffle(
    f32x4.demote_f64x2_zero(low),
    f32x4.demote_f64x2_zero(high),
    0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23,
  );
}

// @ts-ignore: decorator
@inline export function expF32x4(x: v128): v128 {
  return narrowHalves(expF64x2(f64x2.promote_low_f32x4(x)), expF64x2(highHalf(x)));
}

// @ts-ignore: decorator
@inline export function sigmoidF32x4(x: v128): v128 {
  return narrowHalves(sigmoidF64x2(f64x2.promote_low_f32x4(x)), sigmoidF64x2(highHalf(x)));
}

/** 1 / sqrt(x) in f64 (both correctly rounded there), rounded to f32 once, as the scalar path does. */
// @ts-ignore: decorator
@inline export function rsqrtF32x4(x: v128): v128 {
  const one = f64x2.splat(1.0);
  return narrowHalves(f64x2.div(one, f64x2.sqrt(f64x2.promote_low_f32x4(x))), f64x2.div(one, f64x2.sqrt(highHalf(x))));
}

/** floor(x / y) with the quotient in f64, where f32 division could round up to the next integer. */
// @ts-ignore: decorator
@inline export function floorDivF32x4(x: v128, y: v128): v128 {
  const low = f64x2.floor(f64x2.div(f64x2.promote_low_f32x4(x), f64x2.promote_low_f32x4(y)));
  const high = f64x2.floor(f64x2.div(highHalf(x), highHalf(y)));
  return narrowHalves(low, high);
}

const SQRT_2: f64 = 1.4142135623730951;

/**
 * ln x on two f64 lanes holding widened f32 values (so every positive finite input is a normal f64),
 * to about one f64 ulp: x = 2^k · m with m in [sqrt(1/2), sqrt(2)), ln m = 2 atanh(s) for
 * s = (m - 1) / (m + 1), |s| <= 0.172, by its series to s^21 (remainder below 1e-17), plus k ln 2
 * in two parts. Zero gives -Infinity, negatives NaN, +Infinity and NaN themselves.
 */
// @ts-ignore: decorator
@inline function logF64x2(x: v128): v128 {
  const bits = x;
  // The unbiased exponent of each lane, moved into i32 lanes 0 and 1 for the conversion to f64.
  const exponents = i64x2.sub(i64x2.shr_u(bits, 52), i64x2.splat(1023));
  let m = v128.or(v128.and(bits, i64x2.splat(0x000fffffffffffff)), i64x2.splat(0x3ff0000000000000));
  let k = f64x2.convert_low_i32x4_s(i8x16.shuffle(exponents, exponents, 0, 1, 2, 3, 8, 9, 10, 11, 0, 1, 2, 3, 8, 9, 10, 11));
  const high = f64x2.gt(m, f64x2.splat(SQRT_2));
  m = v128.bitselect(f64x2.mul(m, f64x2.splat(0.5)), m, high);
  k = v128.bitselect(f64x2.add(k, f64x2.splat(1.0)), k, high);
  const s = f64x2.div(f64x2.sub(m, f64x2.splat(1.0)), f64x2.add(m, f64x2.splat(1.0)));
  const s2 = f64x2.mul(s, s);
  let p = f64x2.splat(1.0 / 21.0);
  p = f64x2.add(f64x2.mul(p, s2), f64x2.splat(1.0 / 19.0));
  p = f64x2.add(f64x2.mul(p, s2), f64x2.splat(1.0 / 17.0));
  p = f64x2.add(f64x2.mul(p, s2), f64x2.splat(1.0 / 15.0));
  p = f64x2.add(f64x2.mul(p, s2), f64x2.splat(1.0 / 13.0));
  p = f64x2.add(f64x2.mul(p, s2), f64x2.splat(1.0 / 11.0));
  p = f64x2.add(f64x2.mul(p, s2), f64x2.splat(1.0 / 9.0));
  p = f64x2.add(f64x2.mul(p, s2), f64x2.splat(1.0 / 7.0));
  p = f64x2.add(f64x2.mul(p, s2), f64x2.splat(1.0 / 5.0));
  p = f64x2.add(f64x2.mul(p, s2), f64x2.splat(1.0 / 3.0));
  // ln m = 2s + 2s·s²·p, the small tail added last.
  const twoS = f64x2.add(s, s);
  const lnM = f64x2.add(twoS, f64x2.mul(f64x2.mul(twoS, s2), p));
  let result = f64x2.add(f64x2.mul(k, f64x2.splat(LN2_HIGH)), f64x2.add(lnM, f64x2.mul(k, f64x2.splat(LN2_LOW))));
  const zero = f64x2.splat(0);
  result = v128.bitselect(f64x2.splat(-Infinity), result, f64x2.eq(x, zero));
  result = v128.bitselect(f64x2.splat(NaN), result, f64x2.lt(x, zero));
  // +Infinity and NaN pass through unchanged.
  return v128.bitselect(x, result, v128.or(f64x2.eq(x, f64x2.splat(Infinity)), f64x2.ne(x, x)));
}

// @ts-ignore: decorator
@inline export function logF32x4(x: v128): v128 {
  return narrowHalves(logF64x2(f64x2.promote_low_f32x4(x)), logF64x2(highHalf(x)));
}

/**
 * tanh on two f64 lanes, to a few f64 ulps: with a = |x| and r = 2a, tanh a = expm1(r) / (expm1(r) + 2).
 * Below r = 0.35, expm1 by its Taylor series to r^15 (remainder below 1e-17 relative); above, e^r - 1
 * loses at most a factor 4 to cancellation, and 1 - 2 / (e^r + 1) is used directly. The sign is
 * put back last, so -0 stays -0; NaN propagates and ±Infinity give ±1.
 */
// @ts-ignore: decorator
@inline function tanhF64x2(x: v128): v128 {
  const a = f64x2.abs(x);
  const r = f64x2.add(a, a);
  let p = f64x2.splat(1.0 / 1307674368000.0);
  p = f64x2.add(f64x2.mul(p, r), f64x2.splat(1.0 / 87178291200.0));
  p = f64x2.add(f64x2.mul(p, r), f64x2.splat(1.0 / 6227020800.0));
  p = f64x2.add(f64x2.mul(p, r), f64x2.splat(1.0 / 479001600.0));
  p = f64x2.add(f64x2.mul(p, r), f64x2.splat(1.0 / 39916800.0));
  p = f64x2.add(f64x2.mul(p, r), f64x2.splat(1.0 / 3628800.0));
  p = f64x2.add(f64x2.mul(p, r), f64x2.splat(1.0 / 362880.0));
  p = f64x2.add(f64x2.mul(p, r), f64x2.splat(1.0 / 40320.0));
  p = f64x2.add(f64x2.mul(p, r), f64x2.splat(1.0 / 5040.0));
  p = f64x2.add(f64x2.mul(p, r), f64x2.splat(1.0 / 720.0));
  p = f64x2.add(f64x2.mul(p, r), f64x2.splat(1.0 / 120.0));
  p = f64x2.add(f64x2.mul(p, r), f64x2.splat(1.0 / 24.0));
  p = f64x2.add(f64x2.mul(p, r), f64x2.splat(1.0 / 6.0));
  p = f64x2.add(f64x2.mul(p, r), f64x2.splat(0.5));
  // expm1(r) = r + r²·p, the small part added last.
  const expm1 = f64x2.add(r, f64x2.mul(f64x2.mul(r, r), p));
  const small = f64x2.div(expm1, f64x2.add(expm1, f64x2.splat(2.0)));
  const large = f64x2.sub(f64x2.splat(1.0), f64x2.div(f64x2.splat(2.0), f64x2.add(expF64x2(r), f64x2.splat(1.0))));
  const magnitude = v128.bitselect(small, large, f64x2.lt(r, f64x2.splat(0.35)));
  // The sign bit of x on the magnitude (which is >= 0 or NaN).
  return v128.or(magnitude, v128.and(x, i64x2.splat(0x8000000000000000)));
}

// @ts-ignore: decorator
@inline export function tanhF32x4(x: v128): v128 {
  return narrowHalves(tanhF64x2(f64x2.promote_low_f32x4(x)), tanhF64x2(highHalf(x)));
}
