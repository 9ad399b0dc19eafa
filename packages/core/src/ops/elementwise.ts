import type { DType } from '../dtype.js';
import { promoteTypes } from '../dtype.js';
import { engine } from '../engine/engine.js';
import { DTypeError } from '../errors.js';
import type { Shape } from '../shape.js';
import { broadcastShapes, shapesEqual } from '../shape.js';
import type { Tensor, TensorLike } from '../tensor.js';
import { Tensor as TensorClass } from '../tensor.js';
import { cast } from './cast.js';
import { toTensor } from './convert.js';
import type { ElementwiseFormula, GradFn, NoAttrs, OpDef } from './op.js';
import { defineOp } from './op.js';
import { reshape } from './reshape.js';
import { sum } from './sum.js';

/** The dtypes a formula defines, in a stable order for messages. */
function formulaDTypes(formula: ElementwiseFormula): DType[] {
  return (['float32', 'int32', 'bool'] as const).filter((d) => formula[d] !== undefined);
}

function assertFormulaDType(op: string, arg: string, formula: ElementwiseFormula, dtype: DType): void {
  if (formula[dtype] === undefined) {
    const allowed = formulaDTypes(formula);
    const hint = allowed.includes('float32') ? `; cast it first, e.g. x.cast('float32')` : '';
    throw new DTypeError(`${op}: ${arg} must be ${allowed.join(' or ')}, got ${dtype}${hint}`);
  }
}

interface UnaryOptions<N extends string> {
  name: N;
  /** Scalar meaning per accepted input dtype; the keys are the accepted dtypes. */
  formula: ElementwiseFormula;
  grad: GradFn<NoAttrs> | 'none' | 'notDifferentiable';
  /** The output dtype when it is not the input's (isNaN → bool). */
  outputDType?: DType;
  saves?: { inputs?: boolean; outputs?: boolean };
}

/** Declares an elementwise primitive of one input. */
export function unaryOp<N extends string>(options: UnaryOptions<N>): OpDef<N, NoAttrs> {
  return defineOp<N, NoAttrs>({
    name: options.name,
    kind: 'elementwise',
    inputNames: ['x'],
    formula: options.formula,
    grad: options.grad,
    saves: options.saves,
    infer([x]) {
      assertFormulaDType(options.name, 'x', options.formula, x.dtype);
      return [{ shape: x.shape, dtype: options.outputDType ?? x.dtype }];
    },
  });
}

/** Runs a unary primitive on an op argument. */
export function applyUnary(def: OpDef<string, NoAttrs>, x: TensorLike): Tensor {
  return engine.run1(def, [toTensor(def.name, 'x', x)], {});
}

interface BinaryOptions<N extends string> {
  name: N;
  formula: ElementwiseFormula;
  grad: GradFn<NoAttrs> | 'none' | 'notDifferentiable';
  /** Comparisons produce bool. */
  outputDType?: DType;
  saves?: { inputs?: boolean; outputs?: boolean };
}

/** Declares an elementwise primitive of two inputs with NumPy broadcasting; both inputs share one dtype. */
export function binaryOp<N extends string>(options: BinaryOptions<N>): OpDef<N, NoAttrs> {
  return defineOp<N, NoAttrs>({
    name: options.name,
    kind: 'elementwise',
    inputNames: ['a', 'b'],
    formula: options.formula,
    grad: options.grad,
    saves: options.saves,
    infer([a, b]) {
      if (a.dtype !== b.dtype) {
        throw new DTypeError(`${options.name}: a and b must have the same dtype, got ${a.dtype} and ${b.dtype}`);
      }
      assertFormulaDType(options.name, 'a', options.formula, a.dtype);
      return [{ shape: broadcastShapes(options.name, a.shape, b.shape), dtype: options.outputDType ?? a.dtype }];
    },
  });
}

/**
 * The dtype a JS number takes next to a tensor of `other`: the tensor's own dtype when the number
 * fits it (so `x.mul(2)` stays int32), else the smallest that holds it (`intX.mul(0.5)` is float32,
 * `boolX.add(2)` is int32), as JAX's weak types do.
 */
function weakDType(value: number, other: DType | undefined): DType | undefined {
  if (other === undefined || other === 'float32') return other;
  if (!Number.isInteger(value)) return 'float32';
  if (other === 'bool' && value !== 0 && value !== 1) return 'int32';
  return other;
}

/**
 * Converts two op arguments and promotes them to a common dtype (bool < int32 < float32). A JS
 * number takes the other operand's dtype, so `x.mul(2)` stays int32 for an int32 `x`.
 * `promoteTo` forces a result dtype family (true division turns ints into float32).
 */
export function binaryOperands(
  opName: string,
  a: TensorLike,
  b: TensorLike,
  promoteTo?: DType,
): [Tensor, Tensor] {
  const other = a instanceof TensorClass ? a.dtype : b instanceof TensorClass ? b.dtype : undefined;
  let ta = toTensor(opName, 'a', a, typeof a === 'number' ? weakDType(a, other) : undefined);
  let tb = toTensor(opName, 'b', b, typeof b === 'number' ? weakDType(b, other) : undefined);
  let dtype = promoteTypes(ta.dtype, tb.dtype);
  if (promoteTo !== undefined) dtype = promoteTypes(dtype, promoteTo);
  if (ta.dtype !== dtype) ta = cast(ta, dtype);
  if (tb.dtype !== dtype) tb = cast(tb, dtype);
  return [ta, tb];
}

/** Runs a binary primitive with dtype promotion. */
export function applyBinary(def: OpDef<string, NoAttrs>, a: TensorLike, b: TensorLike, promoteTo?: DType): Tensor {
  return engine.run1(def, binaryOperands(def.name, a, b, promoteTo), {});
}

/**
 * Sums a broadcast gradient back to an input's shape: over the leading axes broadcasting added and
 * the axes where the input had size 1.
 */
export function unbroadcast(dy: Tensor, shape: Shape): Tensor {
  if (shapesEqual(dy.shape, shape)) return dy;
  const lead = dy.rank - shape.length;
  const axes: number[] = [];
  for (let i = 0; i < dy.rank; i++) {
    if (i < lead || (shape[i - lead] === 1 && dy.shape[i] !== 1)) axes.push(i);
  }
  const summed = axes.length > 0 ? sum(dy, axes, true) : dy;
  return reshape(summed, shape);
}
