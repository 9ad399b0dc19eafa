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

const TWO_OVER_SQRT_PI: f64 = 2 / Math.sqrt(Math.PI);
const ONE_OVER_SQRT_PI: f64 = 1 / Math.sqrt(Math.PI);

/** erf by its Maclaurin series below 3 and erfc's continued fraction above, as core's reference does. */
export function erfF64(x: f64): f64 {
  if (x != x) return x;
  const magnitude = Math.abs(x);
  if (magnitude >= 3) {
    let denominator = magnitude;
    for (let k = 40; k >= 1; k--) denominator = magnitude + <f64>k / 2 / denominator;
    const erfc = (Math.exp(-magnitude * magnitude) * ONE_OVER_SQRT_PI) / denominator;
    return (x > 0 ? 1.0 : -1.0) * (1 - erfc);
  }
  const x2 = x * x;
  let term = x;
  let total = x;
  for (let n = 1; Math.abs(term) > 1e-17 * Math.abs(total); n++) {
    term *= (2 * x2) / <f64>(2 * n + 1);
    total += term;
  }
  return TWO_OVER_SQRT_PI * Math.exp(-x2) * total;
}

/**
 * e^x on four f32 lanes: x = n ln2 + r with |r| <= ln2/2 (ln2 split in two parts so n ln2 is exact),
 * e^r by its degree-7 Taylor polynomial (error below 2^-27), then scaled by 2^n in two halves so
 * that results near overflow and in the subnormal range are rounded once, like the correctly
 * rounded reference. NaN propagates through the polynomial.
 */
// @ts-ignore: decorator
@inline export function expF32x4(x: v128): v128 {
  const clamped = f32x4.max(f32x4.min(x, f32x4.splat(89)), f32x4.splat(-104));
  const n = f32x4.nearest(f32x4.mul(clamped, f32x4.splat(1.4426950408889634)));
  let r = f32x4.sub(clamped, f32x4.mul(n, f32x4.splat(0.693359375)));
  r = f32x4.add(r, f32x4.mul(n, f32x4.splat(2.12194440e-4)));
  let p = f32x4.add(f32x4.mul(f32x4.splat(1.0 / 5040), r), f32x4.splat(1.0 / 720));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.0 / 120));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.0 / 24));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.0 / 6));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(0.5));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1));
  const k = i32x4.trunc_sat_f32x4_s(n);
  const half = i32x4.shr_s(k, 1);
  const rest = i32x4.sub(k, half);
  const bias = i32x4.splat(127);
  p = f32x4.mul(p, i32x4.shl(i32x4.add(half, bias), 23));
  return f32x4.mul(p, i32x4.shl(i32x4.add(rest, bias), 23));
}
