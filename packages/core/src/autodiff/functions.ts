import { engine } from '../engine/engine.js';
import { ArgumentError, DTypeError, ShapeError, formatShape } from '../errors.js';
import { toTensor } from '../ops/convert.js';
import { reshape } from '../ops/reshape.js';
import { sizeOf } from '../shape.js';
import type { Tensor, TensorLike } from '../tensor.js';
import { Tensor as TensorClass } from '../tensor.js';
import type { CustomGradFn } from './tape.js';
import { GradientTape, activeTapes } from './tape.js';

function assertScalarLoss(fnName: string, y: unknown): asserts y is Tensor {
  if (!(y instanceof TensorClass)) {
    throw new ArgumentError(`${fnName}: the function must return a Tensor, got ${typeof y}`);
  }
  if (y.dtype !== 'float32') throw new DTypeError(`${fnName}: the function must return a float32 tensor, got ${y.dtype}`);
}

/** Runs `f` on `xs` under a fresh tape and differentiates its result; unconnected inputs get zeros (as in JAX). */
function differentiate(
  fnName: string,
  f: (...xs: Tensor[]) => Tensor,
  xs: readonly Tensor[],
  dy?: Tensor,
): { value: Tensor; grads: Tensor[] } {
  const tape = new GradientTape();
  try {
    const value = tape.record(() => {
      tape.watch(...xs);
      return f(...xs);
    });
    assertScalarLoss(fnName, value);
    if (dy === undefined && sizeOf(value.shape) !== 1) {
      throw new ShapeError(
        `${fnName}: the function must return a scalar (or pass dy), got shape ${formatShape(value.shape)}`,
      );
    }
    const grads = tape.gradient(value, xs, { outputGradient: dy, unconnected: 'zero' }) as Tensor[];
    return { value, grads };
  } finally {
    tape.dispose();
  }
}

/**
 * Returns a function computing df/dx. `f` must return a scalar (or pass `dy`). Higher derivatives
 * nest: `grad(grad(f))`. Corresponds to `tf.grad` / `jax.grad`.
 *
 * @example grad((x) => x.square().sum())(tensor([1, 2])) // [2, 4]
 */
export function grad(f: (x: Tensor) => Tensor): (x: TensorLike, dy?: Tensor) => Tensor {
  return (x, dy) =>
    engine.tidy(() => differentiate('grad', f as (...xs: Tensor[]) => Tensor, [toTensor('grad', 'x', x)], dy).grads[0]);
}

/** Gradients of `f` with respect to each of several arguments. `tf.grads`. */
export function grads(f: (...xs: Tensor[]) => Tensor): (xs: readonly TensorLike[], dy?: Tensor) => Tensor[] {
  return (xs, dy) =>
    engine.tidy(() => differentiate('grads', f, xs.map((x, i) => toTensor('grads', `xs[${i}]`, x)), dy).grads);
}

/** Value and gradient in one pass. `tf.valueAndGrad` / `jax.value_and_grad`. */
export function valueAndGrad(f: (x: Tensor) => Tensor): (x: TensorLike, dy?: Tensor) => { value: Tensor; grad: Tensor } {
  return (x, dy) =>
    engine.tidy(() => {
      const { value, grads } = differentiate('valueAndGrad', f as (...xs: Tensor[]) => Tensor, [toTensor('valueAndGrad', 'x', x)], dy);
      return { value, grad: grads[0] };
    });
}

/** Value and gradients with respect to several arguments. `tf.valueAndGrads`. */
export function valueAndGrads(
  f: (...xs: Tensor[]) => Tensor,
): (xs: readonly TensorLike[], dy?: Tensor) => { value: Tensor; grads: Tensor[] } {
  return (xs, dy) =>
    engine.tidy(() => differentiate('valueAndGrads', f, xs.map((x, i) => toTensor('valueAndGrads', `xs[${i}]`, x)), dy));
}

/**
 * Runs `fn` so that no active tape records it.
 */
function unrecorded<T>(fn: () => T): T {
  const tapes = activeTapes();
  const run = tapes.reduceRight<() => T>((inner, tape) => () => tape.withoutRecording(inner), fn);
  return run();
}

/**
 * The same values, with no gradient flowing back through them. `tf.stopGradient` / `jax.lax.stop_gradient`.
 */
export function stopGradient(x: TensorLike): Tensor {
  return engine.tidy(() => {
    const t = toTensor('stopGradient', 'x', x);
    return unrecorded(() => reshape(t, t.shape));
  });
}

/** What a `customGrad` function returns: its value and how to map output gradients to input gradients. */
export interface CustomGradResult {
  value: Tensor;
  gradFunc: CustomGradFn;
}

/**
 * Defines a function with its own gradient (numerically stable forms, straight-through estimators).
 * `f` returns `{value, gradFunc}`; `gradFunc([dy])` returns one gradient per input. `tf.customGrad`.
 *
 * @example
 * const clipGrad = customGrad((x) => ({ value: x.clone(), gradFunc: ([dy]) => [clipByValue(dy, -1, 1)] }));
 */
export function customGrad(f: (...inputs: Tensor[]) => CustomGradResult): (...inputs: TensorLike[]) => Tensor {
  return (...inputs) =>
    engine.tidy(() => {
      const xs = inputs.map((x, i) => toTensor('customGrad', `inputs[${i}]`, x));
      const { value, gradFunc } = unrecorded(() => f(...xs));
      if (!(value instanceof TensorClass)) throw new ArgumentError('customGrad: f must return { value: Tensor, gradFunc }');
      if (typeof gradFunc !== 'function') throw new ArgumentError('customGrad: f must return a gradFunc function');
      const output = unrecorded(() => reshape(value, value.shape));
      for (const tape of activeTapes()) {
        tape.recordCustom(xs, [output], (dys) => {
          const result = gradFunc(dys);
          if (result.length !== xs.length) {
            throw new ArgumentError(`customGrad: gradFunc returned ${result.length} gradients for ${xs.length} inputs`);
          }
          return result;
        });
      }
      return output;
    });
}
