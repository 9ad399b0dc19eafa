// erf on four f32 lanes, in f32 arithmetic, within 2 units in the last place of the correctly rounded
// value (the conformance tolerance is 1e-5). The series the reference backend sums in f64 needs up to
// fifty terms and a scalar exp per element, which made erf thirty times slower than a multiply-add;
// this is a fixed, branch-free polynomial pipeline, so gelu's erf costs about what its arithmetic
// costs. The coefficients come from scripts/fit-erf.py. Every operation here is one that V8 lowers to
// one or two x64 instructions (pmin rather than min, a magic-number rounding rather than nearest and
// trunc_sat): the loop is bound by instruction throughput, not by latency.

// |x| < 1: erf(x) = x·A(x²).
const A0: f32 = 1.1283791274923942;
const A1: f32 = -0.37612349946568485;
const A2: f32 = 0.11280365106696949;
const A3: f32 = -0.026716396296115247;
const A4: f32 = 0.004923284094706957;
const A5: f32 = -0.0005654111894304028;

// 1 <= |x| < 4: erf(x) = 1 - exp(-x²)·B(u), u = (2|x| - 5)/3. Beyond 4, erf rounds to ±1 in f32.
const B0: f32 = 0.2108063575248684;
const B1: f32 = -0.11152140157650886;
const B2: f32 = 0.0561109586198696;
const B3: f32 = -0.02699778841061727;
const B4: f32 = 0.01248403374220903;
const B5: f32 = -0.005611775269480874;
const B6: f32 = 0.0024258913205279496;
const B7: f32 = -0.0009155447530082732;
const B8: f32 = 0.00036786067621806355;
const B9: f32 = -0.0002455121034526965;
const B10: f32 = 9.640806910504409e-5;

// exp's argument reduction v = n·ln2 + r, ln 2 split so that n·LN2_HIGH is exact for the small n here.
const LN2_HIGH: f32 = 0.693359375;
const LN2_LOW: f32 = -2.12194440e-4;
const LOG2_E: f32 = 1.4426950408889634;
// Adding 1.5·2^23 rounds a float of magnitude below 2^22 to an integer (to nearest, even on ties) and
// leaves that integer in the low mantissa bits, so one add gives both n as a float and n's bits.
const ROUNDING_MAGIC: f32 = 12582912;
const ROUNDING_MAGIC_BITS: i32 = 0x4b400000;

// @ts-ignore: decorator
@inline function step(accumulator: v128, t: v128, c: f32): v128 {
  return f32x4.add(f32x4.mul(accumulator, t), f32x4.splat(c));
}

/** e^v for v in [-16, 0]: a degree-6 Taylor polynomial on |r| <= ln2/2, scaled by 2^n through the exponent bits. */
// @ts-ignore: decorator
@inline function expNegativeF32x4(v: v128): v128 {
  const shifted = f32x4.add(f32x4.mul(v, f32x4.splat(LOG2_E)), f32x4.splat(ROUNDING_MAGIC));
  const n = f32x4.sub(shifted, f32x4.splat(ROUNDING_MAGIC));
  const r = f32x4.sub(f32x4.sub(v, f32x4.mul(n, f32x4.splat(LN2_HIGH))), f32x4.mul(n, f32x4.splat(LN2_LOW)));
  let p = f32x4.splat(<f32>(1.0 / 720.0));
  p = step(p, r, <f32>(1.0 / 120.0));
  p = step(p, r, <f32>(1.0 / 24.0));
  p = step(p, r, <f32>(1.0 / 6.0));
  p = step(p, r, 0.5);
  p = step(p, r, 1);
  p = step(p, r, 1);
  // 2^n: n's bits are shifted's bits less the magic's; add the exponent bias and move them into place.
  const scale = i32x4.shl(i32x4.add(shifted, i32x4.splat(127 - ROUNDING_MAGIC_BITS)), 23);
  return f32x4.mul(p, scale);
}

// @ts-ignore: decorator
@inline export function erfF32x4(x: v128): v128 {
  const magnitude = f32x4.abs(x);
  const square = f32x4.mul(magnitude, magnitude);

  let a = f32x4.splat(A5);
  a = step(a, square, A4);
  a = step(a, square, A3);
  a = step(a, square, A2);
  a = step(a, square, A1);
  a = step(a, square, A0);
  const near = f32x4.mul(magnitude, a);

  const u = f32x4.sub(f32x4.mul(magnitude, f32x4.splat(<f32>(2.0 / 3.0))), f32x4.splat(<f32>(5.0 / 3.0)));
  let b = f32x4.splat(B10);
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
  // pmin keeps exp's argument in range for large or infinite |x| (those lanes take 1 below; NaN
  // lanes are replaced at the end, so pmin's NaN handling does not matter).
  const decay = expNegativeF32x4(f32x4.neg(f32x4.pmin(square, f32x4.splat(16))));
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
