import type { AttrsOf, DataId, FusedProgram, KernelInput, TensorInfo } from '@tessera/core';
import { DTypeError, ShapeError, formatShape } from '@tessera/core';
import type { WasmContext } from '../context.js';
import type { EpiloguePlan } from './contraction.js';
import { conv2dInto, matMulInto } from './contraction.js';

/** The activations a contraction can apply in its epilogue, with their codes in assembly/epilogue.ts. */
const ACTIVATIONS = { linear: 0, relu: 1, relu6: 2, leakyRelu: 3, sigmoid: 4, tanh: 5 } as const;

export type EpilogueActivation = keyof typeof ACTIVATIONS;

/**
 * What epilogue fusion folds into a contraction: `activation(result + bias)`, with the bias along
 * the output's last axis (Dense and Conv2D biases). Each activation matches its unfused op bit for
 * bit (leakyRelu's `alpha` as the composite's).
 */
export interface Epilogue {
  readonly bias?: KernelInput;
  /** A tensor of the output's shape added to it (a second matMul's result, a skip connection). */
  readonly residual?: KernelInput;
  /** Whether the residual is added before the bias (default true); f32 additions do not associate. */
  readonly residualFirst?: boolean;
  readonly activation?: EpilogueActivation;
  /** leakyRelu's slope (default 0.2, as Keras). */
  readonly alpha?: number;
}

/** A fused contraction kernel: the primitive's inputs and attributes plus the epilogue. */
export type FusedKernel<A> = (inputs: readonly KernelInput[], attrs: A & { readonly epilogue: Epilogue }, outputs: readonly TensorInfo[]) => DataId[];

function plan(context: WasmContext, opName: string, epilogue: Epilogue, out: TensorInfo): EpiloguePlan {
  const { bias, activation = 'linear', alpha = 0.2 } = epilogue;
  if (out.dtype !== 'float32') throw new DTypeError(`${opName}: a fused epilogue needs float32, got ${out.dtype}`);
  if (!Object.hasOwn(ACTIVATIONS, activation)) {
    throw new ShapeError(`${opName}: epilogue activation must be one of ${Object.keys(ACTIVATIONS).join(', ')}, got ${String(activation)}`);
  }
  const channels = out.shape[out.shape.length - 1];
  if (bias !== undefined) {
    if (bias.dtype !== 'float32') throw new DTypeError(`${opName}: bias must be float32, got ${bias.dtype}`);
    if (bias.shape.length !== 1 || bias.shape[0] !== channels) {
      throw new ShapeError(`${opName}: bias must have shape [${channels}] (the output's last axis), got ${formatShape(bias.shape)}`);
    }
  }
  const { residual } = epilogue;
  if (residual !== undefined) {
    if (residual.dtype !== 'float32') throw new DTypeError(`${opName}: residual must be float32, got ${residual.dtype}`);
    if (formatShape(residual.shape) !== formatShape(out.shape)) {
      throw new ShapeError(`${opName}: residual must have the output's shape ${formatShape(out.shape)}, got ${formatShape(residual.shape)}`);
    }
  }
  // The residual's distance from the output is set once the output exists (withOutput).
  return { bias: bias === undefined ? 0 : context.address(bias), activation: ACTIVATIONS[activation], alpha, residualDelta: 0, residualFirst: epilogue.residualFirst ?? true };
}

/** The plan for an output at `outputAddress`: the residual as a distance from it. */
function withOutput(context: WasmContext, planned: EpiloguePlan, epilogue: Epilogue, outputAddress: number): EpiloguePlan {
  return epilogue.residual === undefined ? planned : { ...planned, residualDelta: context.address(epilogue.residual) - outputAddress };
}

/**
 * matMul and conv2d with an epilogue applied to each output tile while it is in cache: what the
 * backend's `compile(graph)` runs for an epilogue-fused node (contraction + bias + activation), in
 * one pass instead of three.
 */
export function fusedContractionKernels(context: WasmContext): {
  readonly matMul: FusedKernel<AttrsOf<'matMul'>>;
  readonly conv2d: FusedKernel<AttrsOf<'conv2d'>>;
} {
  return {
    matMul: ([a, b], attrs, [out]) => {
      const epilogue = plan(context, 'matMul', attrs.epilogue, out);
      return [context.runKernel('matMul', () => {
        const result = context.output(out);
        const address = context.address(result);
        matMulInto(context, a, b, attrs, out, address, withOutput(context, epilogue, attrs.epilogue, address));
        return result;
      })];
    },
    conv2d: ([x, filter], attrs, [out]) => {
      const epilogue = plan(context, 'conv2d', attrs.epilogue, out);
      return [context.runKernel('conv2d', () => {
        const result = context.output(out);
        const address = context.address(result);
        conv2dInto(context, x, filter, attrs, address, withOutput(context, epilogue, attrs.epilogue, address));
        return result;
      })];
    },
  };
}

/** Activations a traced epilogue may end with, by their primitive's name. */
const TRACED_ACTIVATIONS: Readonly<Record<string, EpilogueActivation>> = { relu: 'relu', sigmoid: 'sigmoid', tanh: 'tanh' };

/**
 * Reads a tracer epilogue (a FusedProgram whose register 0 is the contraction's result and whose
 * other inputs are `extra`) as residual + bias + activation, when it is one: adds of a tensor of the
 * output's shape (the residual) and of a bias along the last axis, at most one of each and in either
 * order, then optionally relu, sigmoid or tanh. Anything else is undefined, and the caller runs the
 * general path (contraction, then the fused program).
 */
export function epilogueOf(program: FusedProgram, extra: readonly KernelInput[], out: TensorInfo): Epilogue | undefined {
  if (out.dtype !== 'float32' || program.outputs.length !== 1 || program.numInputs !== extra.length + 1) return undefined;
  const channels = out.shape[out.shape.length - 1];
  const outShape = formatShape(out.shape);
  let value = 0;
  let bias: KernelInput | undefined;
  let residual: KernelInput | undefined;
  let residualFirst = true;
  let activation: EpilogueActivation = 'linear';
  let register = program.numInputs;
  for (const instruction of program.instructions) {
    const args = instruction.args;
    if (instruction.dtype !== 'float32') return undefined;
    if (instruction.op === 'add' && activation === 'linear' && args.length === 2 && args.includes(value)) {
      const other = args[0] === value ? args[1] : args[0];
      const candidate = other >= 1 && other < program.numInputs ? extra[other - 1] : undefined;
      if (candidate === undefined || candidate.dtype !== 'float32' || other === value) return undefined;
      if (residual === undefined && formatShape(candidate.shape) === outShape) {
        residual = candidate;
        residualFirst = bias === undefined;
      } else if (bias === undefined && candidate.shape.slice(0, -1).every((d) => d === 1) && candidate.shape[candidate.shape.length - 1] === channels) {
        bias = { ...candidate, shape: [channels] };
      } else {
        return undefined;
      }
    } else if (TRACED_ACTIVATIONS[instruction.op] !== undefined && activation === 'linear' && args.length === 1 && args[0] === value) {
      activation = TRACED_ACTIVATIONS[instruction.op];
    } else {
      return undefined;
    }
    value = register++;
  }
  return program.outputs[0] === value ? { bias, residual, residualFirst, activation } : undefined;
}

/**
 * A matMul or conv2d node that carries a traced epilogue, in one pass when the epilogue is bias
 * and/or activation (see `epilogueOf`); undefined when it is not, for the caller's general path.
 */
export function runTracedEpilogue(
  context: WasmContext,
  op: 'matMul' | 'conv2d',
  inputs: readonly KernelInput[],
  attrs: AttrsOf<'matMul'> | AttrsOf<'conv2d'>,
  program: FusedProgram,
  outputs: readonly TensorInfo[],
): DataId[] | undefined {
  const epilogue = epilogueOf(program, inputs.slice(2), outputs[0]);
  if (epilogue === undefined) return undefined;
  const kernels = fusedContractionKernels(context);
  return op === 'matMul'
    ? kernels.matMul(inputs.slice(0, 2), { ...(attrs as AttrsOf<'matMul'>), epilogue }, outputs)
    : kernels.conv2d(inputs.slice(0, 2), { ...(attrs as AttrsOf<'conv2d'>), epilogue }, outputs);
}
