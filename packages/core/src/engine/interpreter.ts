import type { DType, TypedArray } from '../dtype.js';
import type { OpDef, TensorInfo } from '../ops/op.js';
import type { Shape } from '../shape.js';
import type { Tensor, Variable } from '../tensor.js';

/** Hands an op to the interpreter below the current one. */
export interface Lower {
  runOp(op: OpDef, inputs: readonly Tensor[], attrs: object, outputs: readonly TensorInfo[]): Tensor[];
  makeTensor(values: TypedArray, shape: Shape, dtype: DType): Tensor;
  assign(variable: Variable, value: Tensor): void;
  createVariable(initial: Tensor, name: string, trainable: boolean): Variable;
}

/**
 * One level of the engine's interpreter stack (as in JAX): eager execution at the bottom; gradient
 * tapes and the tracer push themselves on top while they record. An op goes to the top interpreter,
 * which handles it and may pass it down. Methods an interpreter leaves out pass straight down.
 */
export interface Interpreter {
  readonly name: string;
  runOp?(op: OpDef, inputs: readonly Tensor[], attrs: object, outputs: readonly TensorInfo[], lower: Lower): Tensor[];
  makeTensor?(values: TypedArray, shape: Shape, dtype: DType, lower: Lower): Tensor;
  assign?(variable: Variable, value: Tensor, lower: Lower): void;
  createVariable?(initial: Tensor, name: string, trainable: boolean, lower: Lower): Variable;
}
