import type { AttrsOf, DataId, KernelInput, TensorInfo } from '@tessera/core';
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
  return { bias: bias === undefined ? 0 : context.address(bias), activation: ACTIVATIONS[activation], alpha };
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
        matMulInto(context, a, b, attrs, out, context.address(result), epilogue);
        return result;
      })];
    },
    conv2d: ([x, filter], attrs, [out]) => {
      const epilogue = plan(context, 'conv2d', attrs.epilogue, out);
      return [context.runKernel('conv2d', () => {
        const result = context.output(out);
        conv2dInto(context, x, filter, attrs, context.address(result), epilogue);
        return result;
      })];
    },
  };
}
