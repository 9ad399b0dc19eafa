import type { AttrsOf, DataId, DType, Kernel, KernelInput, OpName, TensorInfo } from '@tessera/core';
import { DTypeError } from '@tessera/core';
import type { WebGPUBackend } from '../backend.js';
import { assertRank, broadcastStrides, input, offsetsWgsl, padTo, run, MAX_RANK } from './common.js';
import { MATH_WGSL } from './math-wgsl.js';

/** A WGSL expression of the input values (`a`, `b`, `c`), giving the output value. */
type Expr = (a: string, b: string, c: string) => string;

/** Per input dtype, the expression; the keys are the dtypes the op accepts (as in core's formulas). */
type Row = Partial<Record<DType, Expr>>;

const compare = (op: string): Row => {
  const expr: Expr = (a, b) => `b2u(${a} ${op} ${b})`;
  return { float32: expr, int32: expr, bool: expr };
};

/**
 * Every elementwise primitive except `cast` (which depends on two dtypes). Floats go through the
 * functions of MATH_WGSL wherever the driver's own may differ from IEEE results.
 */
const TABLE = {
  abs: { float32: (a) => `abs(${a})`, int32: (a) => `abs(${a})` },
  add: { float32: (a, b) => `${a} + ${b}`, int32: (a, b) => `${a} + ${b}` },
  atan2: { float32: (a, b) => `t_atan2(${a}, ${b})` },
  ceil: { float32: (a) => `ceil(${a})` },
  cos: { float32: (a) => `t_cos(${a})` },
  div: { float32: (a, b) => `${a} / ${b}` },
  equal: compare('=='),
  erf: { float32: (a) => `t_erf(${a})` },
  exp: { float32: (a) => `t_exp(${a})` },
  expm1: { float32: (a) => `t_expm1(${a})` },
  floor: { float32: (a) => `floor(${a})` },
  floorDiv: { float32: (a, b) => `floor(${a} / ${b})`, int32: (a, b) => `floor_div_i(${a}, ${b})` },
  greater: compare('>'),
  greaterEqual: compare('>='),
  isFinite: { float32: (a) => `b2u(is_finite(${a}))` },
  isNaN: { float32: (a) => `b2u(is_nan(${a}))` },
  less: compare('<'),
  lessEqual: compare('<='),
  log: { float32: (a) => `t_log(${a})` },
  log1p: { float32: (a) => `t_log1p(${a})` },
  logicalAnd: { bool: (a, b) => `b2u(${a} != 0u && ${b} != 0u)` },
  logicalNot: { bool: (a) => `b2u(${a} == 0u)` },
  logicalOr: { bool: (a, b) => `b2u(${a} != 0u || ${b} != 0u)` },
  maximum: { float32: (a, b) => `max_f(${a}, ${b})`, int32: (a, b) => `max(${a}, ${b})` },
  minimum: { float32: (a, b) => `min_f(${a}, ${b})`, int32: (a, b) => `min(${a}, ${b})` },
  mod: { float32: (a, b) => `floor_mod(${a}, ${b})`, int32: (a, b) => `floor_mod_i(${a}, ${b})` },
  mul: { float32: (a, b) => `${a} * ${b}`, int32: (a, b) => `${a} * ${b}` },
  neg: { float32: (a) => `-${a}`, int32: (a) => `-${a}` },
  // NaN == NaN is false, so `!(a == b)` is true for NaN as IEEE and the reference say.
  notEqual: { float32: (a, b) => `b2u(!(${a} == ${b}))`, int32: (a, b) => `b2u(${a} != ${b})`, bool: (a, b) => `b2u(${a} != ${b})` },
  pow: { float32: (a, b) => `t_pow(${a}, ${b})`, int32: (a, b) => `pow_i(${a}, ${b})` },
  reciprocal: { float32: (a) => `1.0 / ${a}` },
  // NaN fails `< 0` and passes through, as the reference.
  relu: { float32: (a) => `select(${a}, 0.0, ${a} < 0.0)`, int32: (a) => `select(${a}, 0, ${a} < 0)` },
  round: { float32: (a) => `t_round(${a})` },
  rsqrt: { float32: (a) => `1.0 / sqrt(${a})` },
  sigmoid: { float32: (a) => `t_sigmoid(${a})` },
  sign: { float32: (a) => `sign_f(${a})`, int32: (a) => `sign(${a})` },
  sin: { float32: (a) => `t_sin(${a})` },
  sqrt: { float32: (a) => `select(sqrt(${a}), nan(), ${a} < 0.0)` },
  square: { float32: (a) => `${a} * ${a}`, int32: (a) => `${a} * ${a}` },
  sub: { float32: (a, b) => `${a} - ${b}`, int32: (a, b) => `${a} - ${b}` },
  tanh: { float32: (a) => `t_tanh(${a})` },
  // The condition is input 0; the branches' dtype picks the row.
  where: { float32: (c, a, b) => `select(${b}, ${a}, ${c} != 0u)`, int32: (c, a, b) => `select(${b}, ${a}, ${c} != 0u)`, bool: (c, a, b) => `select(${b}, ${a}, ${c} != 0u)` },
} satisfies Record<string, Row>;

export type ElementwiseName = keyof typeof TABLE | 'cast';

/** cast's expression from one dtype to another. */
function castExpr(from: DType, to: DType): Expr {
  if (from === to) return (a) => a;
  if (to === 'bool') return from === 'bool' ? (a) => a : (a) => `select(1u, 0u, ${a} == ${from === 'float32' ? '0.0' : '0'})`;
  if (to === 'float32') return (a) => `f32(${a})`;
  return from === 'float32' ? (a) => `f2i(${a})` : (a) => `i32(${a})`;
}

/** Parameter layout: [rank, outShape × MAX_RANK, strides of input k × MAX_RANK ...]. */
function elementwiseKernel(backend: WebGPUBackend, opName: string, inputs: readonly KernelInput[], out: TensorInfo, expr: Expr, key: string): DataId {
  assertRank(opName, out.shape);
  const full = (x: KernelInput) => x.shape.length === out.shape.length && x.shape.every((d, k) => d === out.shape[k]);
  const single = (x: KernelInput) => x.shape.every((d) => d === 1);
  const names = inputs.map((_, k) => `x${k}[o${k}]`);
  let index: string;
  let params: number[];
  let layout: string;
  if (inputs.every(full)) {
    layout = 'same';
    index = inputs.map((_, k) => `let o${k} = i;`).join(' ');
    params = [];
  } else if (inputs.every((x) => full(x) || single(x))) {
    // Tensors against scalars (x.mul(2)): each input reads element i or element 0, no index walk.
    layout = 'scalar';
    index = inputs.map((_, k) => `let o${k} = i * q(${k});`).join(' ');
    params = inputs.map((x) => (full(x) ? 1 : 0));
  } else {
    layout = 'broadcast';
    index = offsetsWgsl(0, 1, inputs.map((_, k) => 1 + MAX_RANK * (k + 1)));
    params = [out.shape.length, ...padTo(out.shape), ...inputs.flatMap((x) => padTo(broadcastStrides(x.shape, out.shape)))];
  }
  return run(
    backend,
    {
      key: `${opName}:${key}:${layout}`,
      inputs: inputs.map((x) => input(backend, x, opName)),
      outputDType: out.dtype,
      params,
      helpers: MATH_WGSL,
      body: `if (i >= n) { return; }
  ${index}
  y[i] = ${expr(names[0], names[1] ?? '', names[2] ?? '')};`,
      threads: Object.is(out.shape.length, 0) ? 1 : out.shape.reduce((p, d) => p * d, 1),
    },
    out,
  );
}

type ElementwiseKernels = { [N in ElementwiseName & OpName]: Kernel<AttrsOf<N>> };

export function elementwiseKernels(backend: WebGPUBackend): ElementwiseKernels {
  const table = TABLE as Record<string, Row>;
  const byTable = (name: string): Kernel => (inputs, _attrs, [out]) => {
    const dtype = name === 'where' ? inputs[1].dtype : inputs[0].dtype;
    const expr = table[name][dtype];
    if (expr === undefined) throw new DTypeError(`${name}: the webgpu backend has no ${dtype} kernel (core's inference should have rejected it)`);
    return [elementwiseKernel(backend, name, inputs, out, expr, dtype)];
  };
  const kernels = Object.fromEntries(Object.keys(TABLE).map((name) => [name, byTable(name)])) as Record<string, Kernel>;
  kernels.cast = ([x], attrs: AttrsOf<'cast'>, [out]) => [
    elementwiseKernel(backend, 'cast', [x], out, castExpr(x.dtype, attrs.dtype), `${x.dtype}->${attrs.dtype}`),
  ];
  return kernels as ElementwiseKernels;
}
