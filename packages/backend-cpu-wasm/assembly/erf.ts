// erf on four f32 lanes, in f32 arithmetic, to within 2.4 ulp of the true value (the conformance
// tolerance is 1e-5). The series the reference backend sums in f64 needs up to fifty terms and a
// scalar exp per element, which made erf thirty times slower than a multiply-add; this form is a
// fixed, branch-free polynomial pipeline, so gelu's erf costs about what its arithmetic costs.
// The coefficients come from scripts/fit-erf.py.

// |x| < 1: erf(x) = x·A(x²).
const A0: f32 = 1.128379165885152;
const A1: f32 = -0.37612626912193003;
const A2: f32 = 0.11283597519549081;
const A3: f32 = -0.026854330277956716;
const A4: f32 = 0.005189313678834742;
const A5: f32 = -0.0008018863012633269;
const A6: f32 = 7.882503727029954e-5;

// 1 <= |x| < 4: erf(x) = 1 - exp(-x²)·B(u), u = (2|x| - 5)/3. Beyond 4, erf rounds to ±1 in f32.
const B0: f32 = 0.21080635752486837;
const B1: f32 = -0.11152100468777384;
const B2: f32 = 0.05611095861986745;
const B3: f32 = -0.027005725467261765;
const B4: f32 = 0.012484033742228106;
const B5: f32 = -0.0055673317733940415;
const B6: f32 = 0.0024258913204761763;
const B7: f32 = -0.0010171206957814575;
const B8: f32 = 0.00036786067627506445;
const B9: f32 = -0.00014394535181931585;
const B10: f32 = 9.64080690829052e-5;
const B11: f32 = -3.693002199777634e-5;

// exp's argument reduction v = n·ln2 + r, ln 2 split so that n·LN2_HIGH is exact for the small n here.
const LN2_HIGH: f32 = 0.693359375;
const LN2_LOW: f32 = -2.12194440e-4;
const LOG2_E: f32 = 1.4426950408889634;

// @ts-ignore: decorator
@inline function step(accumulator: v128, t: v128, c: f32): v128 {
  return f32x4.add(f32x4.mul(accumulator, t), f32x4.splat(c));
}

/** e^v for v in [-16, 0]: a degree-7 Taylor polynomial on |r| <= ln2/2, scaled by 2^n through the exponent bits. */
// @ts-ignore: decorator
@inline function expNegativeF32x4(v: v128): v128 {
  const n = f32x4.nearest(f32x4.mul(v, f32x4.splat(LOG2_E)));
  const r = f32x4.sub(f32x4.sub(v, f32x4.mul(n, f32x4.splat(LN2_HIGH))), f32x4.mul(n, f32x4.splat(LN2_LOW)));
  let p = f32x4.splat(<f32>(1.0 / 5040.0));
  p = step(p, r, <f32>(1.0 / 720.0));
  p = step(p, r, <f32>(1.0 / 120.0));
  p = step(p, r, <f32>(1.0 / 24.0));
  p = step(p, r, <f32>(1.0 / 6.0));
  p = step(p, r, 0.5);
  p = step(p, r, 1);
  p = step(p, r, 1);
  const scale = i32x4.shl(i32x4.add(i32x4.trunc_sat_f32x4_s(n), i32x4.splat(127)), 23);
  return f32x4.mul(p, scale);
}

// @ts-ignore: decorator
@inline export function erfF32x4(x: v128): v128 {
  const magnitude = f32x4.abs(x);
  const square = f32x4.mul(magnitude, magnitude);

  let a = f32x4.splat(A6);
  a = step(a, square, A5);
  a = step(a, square, A4);
  a = step(a, square, A3);
  a = step(a, square, A2);
  a = step(a, square, A1);
  a = step(a, square, A0);
  const near = f32x4.mul(magnitude, a);

  const u = f32x4.sub(f32x4.mul(magnitude, f32x4.splat(<f32>(2.0 / 3.0))), f32x4.splat(<f32>(5.0 / 3.0)));
  let b = f32x4.splat(B11);
  b = step(b, u, B10);
  b = step(b, u, B9);
  b = step(b, u, B8);
  b = step(b, u, B7);
  b = step(b, u, B6);
  b = step(b, u, B5);
  b = step(b, u, B4);
  b = step(b, u, B3);
  b = step(b, u, B2);
  b = step(b, u, B1);
  b = step(b, u, B0);
  // min keeps exp's argument in range for large or infinite |x| (those lanes take 1 below).
  const decay = expNegativeF32x4(f32x4.neg(f32x4.min(square, f32x4.splat(16))));
  const far = f32x4.sub(f32x4.splat(1), f32x4.mul(decay, b));

  const one = f32x4.splat(1);
  let result = v128.bitselect(near, v128.bitselect(far, one, f32x4.lt(magnitude, f32x4.splat(4))), f32x4.lt(magnitude, one));
  // erf is odd: copy the sign of x (so erf(-0) = -0); NaN lanes pass through.
  result = v128.or(result, v128.and(x, i32x4.splat(0x80000000)));
  return v128.bitselect(x, result, f32x4.ne(x, x));
}

/** The same function on one value (the tails of the vector loops), so every element rounds alike. */
export function erfF32(x: f32): f32 {
  return f32x4.extract_lane(erfF32x4(f32x4.splat(x)), 0);
}
