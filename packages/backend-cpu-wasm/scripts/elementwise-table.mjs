// The elementwise primitives as AssemblyScript expressions, one entry per op and input dtype.
// `generate-elementwise.mjs` turns this table into assembly/generated/elementwise.ts: one exported
// function per (op, dtype) with a v128 loop where `simd` is given and a scalar loop for the tail.
//
// In `scalar`, the inputs are `x` (and `y`) of the input's AssemblyScript type (f32, i32, u8). Where
// the reference computes in doubles and the double result can round differently than an f32
// computation would (floor of a quotient, transcendental functions), the expression works in f64 so
// the result is the reference's, rounded once. In `simd` and `mask`, `x` and `y` are v128 values:
// `simd` gives a v128 of outputs of the input's width, `mask` (4-byte inputs, bool output) gives
// all-ones lanes where the result is true. A vector form is given only where it is exact: the same
// bits as the scalar expression (test/special-values.test.ts checks them against the reference).
// `out` is the output dtype when it is not the input's.

const F = 'float32';
const I = 'int32';
const B = 'bool';

/** `Math.*` in AssemblyScript is the f64 musl port, which agrees with V8's to the last f32 bit. */
const viaF64 = (fn) => `<f32>${fn}(<f64>x)`;

export const unaryOps = {
  abs: { [F]: { scalar: 'Mathf.abs(x)', simd: 'f32x4.abs(x)' }, [I]: { scalar: 'x < 0 ? -x : x', simd: 'i32x4.abs(x)' } },
  neg: { [F]: { scalar: '-x', simd: 'f32x4.neg(x)' }, [I]: { scalar: '-x', simd: 'i32x4.neg(x)' } },
  exp: { [F]: { scalar: viaF64('Math.exp'), simd: 'expF32x4(x)' } },
  expm1: { [F]: { scalar: viaF64('Math.expm1') } },
  log: { [F]: { scalar: viaF64('Math.log'), simd: 'logF32x4(x)' } },
  log1p: { [F]: { scalar: viaF64('Math.log1p') } },
  sqrt: { [F]: { scalar: 'Mathf.sqrt(x)', simd: 'f32x4.sqrt(x)' } },
  rsqrt: { [F]: { scalar: '<f32>(1.0 / Math.sqrt(<f64>x))', simd: 'rsqrtF32x4(x)' } },
  reciprocal: { [F]: { scalar: '<f32>1.0 / x', simd: 'f32x4.div(f32x4.splat(1), x)' } },
  square: { [F]: { scalar: 'x * x', simd: 'f32x4.mul(x, x)' }, [I]: { scalar: 'x * x', simd: 'i32x4.mul(x, x)' } },
  sin: { [F]: { scalar: viaF64('Math.sin') } },
  cos: { [F]: { scalar: viaF64('Math.cos') } },
  tanh: { [F]: { scalar: viaF64('Math.tanh'), simd: 'tanhF32x4(x)' } },
  sigmoid: { [F]: { scalar: '<f32>sigmoidF64(<f64>x)', simd: 'sigmoidF32x4(x)' } },
  erf: { [F]: { scalar: 'erfF32(x)', simd: 'erfF32x4(x)' } },
  floor: { [F]: { scalar: 'Mathf.floor(x)', simd: 'f32x4.floor(x)' } },
  ceil: { [F]: { scalar: 'Mathf.ceil(x)', simd: 'f32x4.ceil(x)' } },
  // f32.nearest rounds half to even, which is the primitive's definition.
  round: { [F]: { scalar: 'nearest<f32>(x)', simd: 'f32x4.nearest(x)' } },
  sign: {
    [F]: {
      scalar: 'x > 0 ? <f32>1 : x < 0 ? <f32>-1 : x',
      simd: 'v128.bitselect(f32x4.splat(1), v128.bitselect(f32x4.splat(-1), x, f32x4.lt(x, f32x4.splat(0))), f32x4.gt(x, f32x4.splat(0)))',
    },
    // Comparison masks are -1 where true: (x < 0) - (x > 0) is the sign.
    [I]: { scalar: 'x > 0 ? 1 : x < 0 ? -1 : 0', simd: 'i32x4.sub(i32x4.lt_s(x, i32x4.splat(0)), i32x4.gt_s(x, i32x4.splat(0)))' },
  },
  // NaN fails `x < 0` and passes through, as the reference does.
  relu: {
    [F]: { scalar: 'x < 0 ? <f32>0 : x', simd: 'v128.bitselect(f32x4.splat(0), x, f32x4.lt(x, f32x4.splat(0)))' },
    [I]: { scalar: 'x < 0 ? 0 : x', simd: 'i32x4.max_s(x, i32x4.splat(0))' },
  },
  isNaN: { [F]: { scalar: '<u8>(x != x)', mask: 'f32x4.ne(x, x)', out: B } },
  isFinite: { [F]: { scalar: '<u8>(x - x == 0)', mask: 'f32x4.eq(f32x4.sub(x, x), f32x4.splat(0))', out: B } },
  logicalNot: { [B]: { scalar: '<u8>(x == 0)', simd: 'v128.and(i8x16.eq(x, i8x16.splat(0)), i8x16.splat(1))' } },
};

export const binaryOps = {
  add: { [F]: { scalar: 'x + y', simd: 'f32x4.add(x, y)' }, [I]: { scalar: 'x + y', simd: 'i32x4.add(x, y)' } },
  sub: { [F]: { scalar: 'x - y', simd: 'f32x4.sub(x, y)' }, [I]: { scalar: 'x - y', simd: 'i32x4.sub(x, y)' } },
  mul: { [F]: { scalar: 'x * y', simd: 'f32x4.mul(x, y)' }, [I]: { scalar: 'x * y', simd: 'i32x4.mul(x, y)' } },
  div: { [F]: { scalar: 'x / y', simd: 'f32x4.div(x, y)' } },
  // The reference floors the double quotient, which f32 division could round up to an integer.
  floorDiv: {
    [F]: { scalar: '<f32>Math.floor(<f64>x / <f64>y)', simd: 'floorDivF32x4(x, y)' },
    [I]: { scalar: 'y == 0 ? 0 : <i32><i64>Math.floor(<f64>x / <f64>y)' },
  },
  mod: { [F]: { scalar: 'floorModF32(x, y)' }, [I]: { scalar: 'floorModI32(x, y)' } },
  pow: { [F]: { scalar: '<f32>powF64(<f64>x, <f64>y)' }, [I]: { scalar: 'powI32(x, y)' } },
  atan2: { [F]: { scalar: '<f32>Math.atan2(<f64>x, <f64>y)' } },
  // wasm's min and max propagate NaN and order -0 below +0, as Math.min and Math.max do.
  maximum: { [F]: { scalar: 'max<f32>(x, y)', simd: 'f32x4.max(x, y)' }, [I]: { scalar: 'max<i32>(x, y)', simd: 'i32x4.max_s(x, y)' } },
  minimum: { [F]: { scalar: 'min<f32>(x, y)', simd: 'f32x4.min(x, y)' }, [I]: { scalar: 'min<i32>(x, y)', simd: 'i32x4.min_s(x, y)' } },
  equal: {
    [F]: { scalar: '<u8>(x == y)', mask: 'f32x4.eq(x, y)', out: B },
    [I]: { scalar: '<u8>(x == y)', mask: 'i32x4.eq(x, y)', out: B },
    [B]: { scalar: '<u8>(x == y)', simd: 'v128.and(i8x16.eq(x, y), i8x16.splat(1))' },
  },
  notEqual: {
    [F]: { scalar: '<u8>(x != y)', mask: 'f32x4.ne(x, y)', out: B },
    [I]: { scalar: '<u8>(x != y)', mask: 'i32x4.ne(x, y)', out: B },
    [B]: { scalar: '<u8>(x != y)', simd: 'v128.and(i8x16.ne(x, y), i8x16.splat(1))' },
  },
  less: { [F]: { scalar: '<u8>(x < y)', mask: 'f32x4.lt(x, y)', out: B }, [I]: { scalar: '<u8>(x < y)', mask: 'i32x4.lt_s(x, y)', out: B } },
  lessEqual: { [F]: { scalar: '<u8>(x <= y)', mask: 'f32x4.le(x, y)', out: B }, [I]: { scalar: '<u8>(x <= y)', mask: 'i32x4.le_s(x, y)', out: B } },
  greater: { [F]: { scalar: '<u8>(x > y)', mask: 'f32x4.gt(x, y)', out: B }, [I]: { scalar: '<u8>(x > y)', mask: 'i32x4.gt_s(x, y)', out: B } },
  greaterEqual: { [F]: { scalar: '<u8>(x >= y)', mask: 'f32x4.ge(x, y)', out: B }, [I]: { scalar: '<u8>(x >= y)', mask: 'i32x4.ge_s(x, y)', out: B } },
  logicalAnd: {
    [B]: {
      scalar: '<u8>(x != 0 && y != 0)',
      simd: 'v128.and(v128.and(i8x16.ne(x, i8x16.splat(0)), i8x16.ne(y, i8x16.splat(0))), i8x16.splat(1))',
    },
  },
  logicalOr: {
    [B]: {
      scalar: '<u8>(x != 0 || y != 0)',
      simd: 'v128.and(v128.or(i8x16.ne(x, i8x16.splat(0)), i8x16.ne(y, i8x16.splat(0))), i8x16.splat(1))',
    },
  },
};

export const dtypeInfo = {
  [F]: { type: 'f32', shift: 2, suffix: 'f32' },
  [I]: { type: 'i32', shift: 2, suffix: 'i32' },
  [B]: { type: 'u8', shift: 0, suffix: 'bool' },
};
