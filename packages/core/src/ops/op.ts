import type { DType } from '../dtype.js';
import type { Shape } from '../shape.js';
import type { Tensor } from '../tensor.js';

/** What an op's abstract evaluation produces, and what kernels are told about each input/output. */
export interface TensorInfo {
  readonly shape: Shape;
  readonly dtype: DType;
}

/**
 * The op kinds the tracer's passes care about: elementwise ops fuse into regions, contractions take
 * epilogues, movement ops may become views.
 */
export type OpKind = 'elementwise' | 'reduction' | 'movement' | 'contraction' | 'creation' | 'random' | 'opaque';

/**
 * The scalar meaning of an elementwise op, per input dtype. The result is rounded to the output
 * dtype afterwards, so `float32: (a, b) => a + b` is float32 addition. The reference backend evaluates
 * these directly, the fused-region interpreters compose them, and code generators key on the op name.
 */
export type ElementwiseFormula = { readonly [D in DType]?: (...x: number[]) => number };

/** What an op's gradient function may use: whichever inputs and outputs it declared it saves. */
export interface GradContext<A> {
  /** Shapes and dtypes of every input, always available. */
  readonly inputInfos: readonly TensorInfo[];
  /** The input tensors if the op declared `saves.inputs`, else empty. */
  readonly inputs: readonly Tensor[];
  readonly outputs: readonly Tensor[];
  readonly attrs: A;
}

/**
 * An op's vector-Jacobian product, written with other ops so it traces, fuses and differentiates
 * again (second derivatives). Returns one gradient per input; `null` where no gradient flows.
 */
export type GradFn<A> = (dys: readonly Tensor[], ctx: GradContext<A>) => readonly (Tensor | null)[];

// `any` attrs by default: the engine dispatches OpDefs of every attribute type.
export interface OpDef<N extends string = string, A extends object = any> {
  readonly name: N;
  readonly kind: OpKind;
  /** Input names, used in error messages; a variadic op (concat) names its single repeated input. */
  readonly inputNames: readonly string[];
  readonly variadic?: boolean;
  /** Shape and dtype inference; validates inputs and attributes with errors that name the op. */
  infer(inputs: readonly TensorInfo[], attrs: A): TensorInfo[];
  /**
   * The gradient, or `'none'` for ops whose outputs carry no gradient (comparisons, argMax, random),
   * or `'undefined'`-free ops that are simply not differentiable (they throw if asked).
   */
  readonly grad: GradFn<A> | 'none' | 'notDifferentiable';
  /** Which tensors the gradient reads, so a tape keeps only those alive. */
  readonly saves: { readonly inputs: boolean; readonly outputs: boolean };
  readonly formula?: ElementwiseFormula;
}

/** Declares a primitive. `saves` defaults to keeping inputs only. */
export function defineOp<N extends string, A extends object>(
  def: Omit<OpDef<N, A>, 'saves'> & { saves?: Partial<OpDef<N, A>['saves']> },
): OpDef<N, A> {
  return Object.freeze({ ...def, saves: { inputs: def.saves?.inputs ?? true, outputs: def.saves?.outputs ?? false } });
}

/** Attributes of ops without any. */
export type NoAttrs = Record<string, never>;
