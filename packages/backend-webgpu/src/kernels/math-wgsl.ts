/**
 * Scalar math in WGSL written out in full rather than left to the driver: WebGPU lets sin, cos, log
 * and friends be thousands of ulps off (SwiftShader's sin is ~1e-4 relative near zero), and lets an
 * implementation assume there are no NaNs. These follow the reference backend's IEEE results, NaN and
 * ±Infinity included, to a few float32 ulps.
 */
export const MATH_WGSL = /* wgsl */ `
fn sign_bit(x: f32) -> bool { return (bitcast<u32>(x) >> 31u) == 1u; }

fn t_exp(x: f32) -> f32 {
  if (is_nan(x)) { return x; }
  if (x > 88.72284) { return inf(); }
  if (x < -103.97) { return 0.0; }
  return exp(x);
}

/** log(1 + f) for |f| <= 0.42, through 2 atanh(f / (2 + f)). */
fn log1p_core(f: f32) -> f32 {
  let s = f / (2.0 + f);
  let z = s * s;
  return 2.0 * s + 2.0 * s * z * (0.33333334 + z * (0.2 + z * (0.14285715 + z * (0.11111111 + z * 0.09090909))));
}

fn t_log(x: f32) -> f32 {
  if (is_nan(x) || x < 0.0) { return nan(); }
  if (x == 0.0) { return -inf(); }
  if (is_inf(x)) { return x; }
  let parts = frexp(x);
  var m = parts.fract;
  var e = f32(parts.exp);
  if (m < 0.70710678) { m = m * 2.0; e = e - 1.0; }
  // ln 2 split in two so e * ln2 keeps its digits.
  return e * 0.693145751953125 + (e * 1.4286068e-06 + log1p_core(m - 1.0));
}

fn t_log1p(x: f32) -> f32 {
  if (is_nan(x) || x < -1.0) { return nan(); }
  if (x == -1.0) { return -inf(); }
  if (is_inf(x)) { return x; }
  if (abs(x) < 1e-4) { return x - x * x * (0.5 - x * 0.33333334); }
  let u = 1.0 + x;
  // log(u) plus the first-order correction for the rounding of 1 + x.
  return t_log(u) + (x - (u - 1.0)) / u;
}

fn t_expm1(x: f32) -> f32 {
  if (is_nan(x)) { return x; }
  if (abs(x) < 1e-5) { return x + 0.5 * x * x; }
  if (x > 80.0) { return t_exp(x); }
  if (x < -20.0) { return -1.0; }
  let u = exp(x);
  if (u == 1.0) { return x; }
  let um1 = u - 1.0;
  if (um1 == -1.0) { return -1.0; }
  // Kahan's correction: the rounding error of exp(x) - 1 cancels in (u - 1) / log(u).
  return um1 * x / t_log1p(um1);
}

/** sin on [-pi/4, pi/4]. */
fn sin_core(r: f32) -> f32 {
  let z = r * r;
  return r + r * z * (-1.6666654611e-1 + z * (8.3321608736e-3 + z * -1.9515295891e-4));
}

/** cos on [-pi/4, pi/4]. */
fn cos_core(r: f32) -> f32 {
  let z = r * r;
  return 1.0 - 0.5 * z + z * z * (4.166664568298827e-2 + z * (-1.388731625493765e-3 + z * 2.443315711809948e-5));
}

/** sin(x + quarter * pi/2): reduces x by pi/2 in three parts (Cody and Waite), then picks the quadrant. */
fn sin_shifted(x: f32, quarter: i32) -> f32 {
  if (!is_finite(x)) { return nan(); }
  let j = round(x * 0.63661977236758134);
  let r = ((x - j * 1.5703125) - j * 4.837512969970703125e-4) - j * 7.54978995489188216e-8;
  let k = (i32(j) + quarter) & 3;
  if (k == 0) { return sin_core(r); }
  if (k == 1) { return cos_core(r); }
  if (k == 2) { return -sin_core(r); }
  return -cos_core(r);
}

fn t_sin(x: f32) -> f32 { return sin_shifted(x, 0); }
fn t_cos(x: f32) -> f32 { return sin_shifted(x, 1); }

fn t_tanh(x: f32) -> f32 {
  if (is_nan(x)) { return x; }
  if (abs(x) > 9.1) { return sign(x); }
  let e = t_expm1(2.0 * x);
  return e / (e + 2.0);
}

fn t_sigmoid(x: f32) -> f32 {
  if (is_nan(x)) { return x; }
  if (x >= 0.0) { return 1.0 / (1.0 + t_exp(-x)); }
  let e = t_exp(x);
  return e / (1.0 + e);
}

fn t_erf(x: f32) -> f32 {
  if (is_nan(x)) { return x; }
  let a = abs(x);
  if (a < 1.0) {
    // Maclaurin series 2/sqrt(pi) * sum (-1)^k x^(2k+1) / (k! (2k+1)), to k = 11.
    let z = x * x;
    var term = x;
    var total = x;
    for (var k = 1; k <= 11; k++) {
      term = -term * z / f32(k);
      total = total + term / f32(2 * k + 1);
    }
    return 1.1283791670955126 * total;
  }
  if (a >= 4.0) { return sign(x); }
  // Abramowitz and Stegun 7.1.26 (absolute error below 1.5e-7).
  let t = 1.0 / (1.0 + 0.3275911 * a);
  let poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  return sign(x) * (1.0 - poly * t_exp(-a * a));
}

fn t_atan(x: f32) -> f32 {
  // atan on [0, inf) reduced to [0, tan(pi/12)] and an odd polynomial there.
  var a = abs(x);
  var offset = 0.0;
  var invert = a > 1.0;
  if (invert) { a = 1.0 / a; }
  if (a > 0.26794919) {
    a = (a * 1.7320508 - 1.0) / (a + 1.7320508);
    offset = 0.52359878;
  }
  let z = a * a;
  // Taylor's series; on |a| <= tan(pi/12) the first omitted term is below 3e-9.
  var r = a + a * z * (-0.33333334 + z * (0.2 + z * (-0.14285715 + z * (0.11111111 + z * -0.09090909))));
  r = r + offset;
  if (invert) { r = 1.5707963267948966 - r; }
  return select(r, -r, x < 0.0);
}

fn t_atan2(a: f32, b: f32) -> f32 {
  // The angle of the point (b, a), with IEEE's signed zeros and infinities.
  if (is_nan(a) || is_nan(b)) { return nan(); }
  let pi = 3.1415926535897932;
  if (is_inf(a) && is_inf(b)) {
    let base = select(0.7853981633974483, 2.356194490192345, b < 0.0);
    return select(base, -base, a < 0.0);
  }
  if (a == 0.0) {
    if (sign_bit(b)) { return select(pi, -pi, sign_bit(a)); }
    return a;
  }
  if (b == 0.0 || is_inf(a)) { return select(1.5707963267948966, -1.5707963267948966, a < 0.0); }
  if (is_inf(b)) {
    if (b > 0.0) { return select(0.0, -0.0, a < 0.0); }
    return select(pi, -pi, a < 0.0);
  }
  var r = t_atan(a / b);
  if (b < 0.0) { r = select(r + pi, r - pi, a < 0.0); }
  return r;
}

fn odd_integer(b: f32) -> bool { return b - 2.0 * floor(b * 0.5) == 1.0; }

/** C's pow, as the reference: 1^y = 1 and (-1)^±inf = 1, NaN for a finite negative base and non-integer power. */
fn t_pow(a: f32, b: f32) -> f32 {
  if (a == 1.0 || (a == -1.0 && is_inf(b))) { return 1.0; }
  if (b == 0.0) { return 1.0; }
  if (is_nan(a) || is_nan(b)) { return nan(); }
  let m = abs(a);
  var r: f32;
  if (m == 0.0) {
    r = select(0.0, inf(), b < 0.0);
  } else if (is_inf(m)) {
    r = select(0.0, inf(), b > 0.0);
  } else if (is_inf(b)) {
    r = select(select(0.0, inf(), m > 1.0), select(inf(), 0.0, m > 1.0), b < 0.0);
  } else {
    r = t_exp(b * t_log(m));
  }
  if (sign_bit(a) && is_finite(b)) {
    let integral = floor(b) == b;
    if (!integral) { return select(nan(), r, m == 0.0 || is_inf(m)); }
    if (odd_integer(b)) { return -r; }
  }
  return r;
}

fn t_round(x: f32) -> f32 {
  // Halves to even; WGSL's round already does, this spells it out for drivers that do not.
  let below = floor(x);
  let fraction = x - below;
  if (fraction > 0.5) { return below + 1.0; }
  if (fraction < 0.5) { return below; }
  if (!is_finite(x)) { return x; }
  return select(below + 1.0, below, below - 2.0 * floor(below * 0.5) == 0.0);
}

/** JavaScript's %: truncated remainder, NaN for x % 0 and inf % y, x % inf = x. */
fn js_rem(a: f32, b: f32) -> f32 {
  if (is_nan(a) || is_nan(b) || is_inf(a) || b == 0.0) { return nan(); }
  if (is_inf(b)) { return a; }
  return a - b * trunc(a / b);
}

fn floor_mod(a: f32, b: f32) -> f32 {
  let r = js_rem(a, b);
  if (r != 0.0 && (r < 0.0) != (b < 0.0)) { return r + b; }
  return r;
}

fn floor_mod_i(a: i32, b: i32) -> i32 {
  if (b == 0) { return 0; }
  let r = a % b;
  if (r != 0 && (r < 0) != (b < 0)) { return r + b; }
  return r;
}

fn floor_div_i(a: i32, b: i32) -> i32 {
  if (b == 0) { return 0; }
  var q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) { q = q - 1; }
  return q;
}

/** int32 power with wraparound; a negative exponent gives the truncated true value. */
fn pow_i(a: i32, b: i32) -> i32 {
  if (b < 0) {
    if (a == 1) { return 1; }
    if (a == -1) { return select(1, -1, (b & 1) == 1); }
    return 0;
  }
  var result = 1;
  var base = a;
  var e = b;
  loop {
    if (e == 0) { break; }
    if ((e & 1) == 1) { result = result * base; }
    base = base * base;
    e = e >> 1u;
  }
  return result;
}

/** float32 to int32 as the reference casts: truncate, NaN and ±inf to 0, wrap modulo 2^32. */
fn f2i(x: f32) -> i32 {
  if (!is_finite(x)) { return 0; }
  let t = trunc(x);
  if (abs(t) < 2147483648.0) { return i32(t); }
  let m = t - floor(t / 4294967296.0) * 4294967296.0;
  return bitcast<i32>(u32(m));
}

fn max_f(a: f32, b: f32) -> f32 {
  if (is_nan(a) || is_nan(b)) { return nan(); }
  return select(b, a, a > b || (a == b && !sign_bit(a)));
}

fn min_f(a: f32, b: f32) -> f32 {
  if (is_nan(a) || is_nan(b)) { return nan(); }
  return select(b, a, a < b || (a == b && sign_bit(a)));
}

fn sign_f(x: f32) -> f32 {
  if (x == 0.0 || is_nan(x)) { return x; }
  return select(-1.0, 1.0, x > 0.0);
}

fn b2u(c: bool) -> u32 { return select(0u, 1u, c); }
`;
