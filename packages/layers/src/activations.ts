import {
  ArgumentError,
  elu,
  exp,
  gelu,
  hardSigmoid,
  leakyRelu,
  logSoftmax,
  mish,
  mul,
  relu,
  relu6,
  selu,
  sigmoid,
  silu,
  softmax,
  softplus,
  softsign,
  tanh,
  type Tensor,
} from '@tessera/core';

/** An activation: a function of one tensor. */
export type ActivationFn = (x: Tensor) => Tensor;

/** A named activation as layers accept it. */
export type ActivationIdentifier = string | ActivationFn | null | undefined;

const linear: ActivationFn = (x) => x;

// Keras 3's activations by the name its configs use. Each is a composite of core ops, so it traces,
// differentiates and fuses like any other op.
const activationsByName: Record<string, ActivationFn> = {
  linear,
  relu: (x) => relu(x),
  sigmoid: (x) => sigmoid(x),
  tanh: (x) => tanh(x),
  softmax: (x) => softmax(x, -1),
  log_softmax: (x) => logSoftmax(x, -1),
  // Keras 3's "gelu" is the exact erf form (approximate=False).
  gelu: (x) => gelu(x, false),
  silu: (x) => silu(x),
  elu: (x) => elu(x, 1),
  selu: (x) => selu(x),
  softplus: (x) => softplus(x),
  softsign: (x) => softsign(x),
  // The "leaky_relu" activation uses slope 0.2; the LeakyReLU *layer* defaults to 0.3.
  leaky_relu: (x) => leakyRelu(x, 0.2),
  relu6: (x) => relu6(x),
  // Keras 3: relu6(x + 3) / 6 (Keras 2 used 0.2x + 0.5).
  hard_sigmoid: (x) => hardSigmoid(x),
  hard_silu: (x) => mul(x, hardSigmoid(x)),
  mish: (x) => mish(x),
  exponential: (x) => exp(x),
};

// Aliases resolve to the name Keras writes back (Keras serializes "swish" as "silu").
const activationAliases: Record<string, string> = {
  swish: 'silu',
  hard_swish: 'hard_silu',
  leakyRelu: 'leaky_relu',
  hardSigmoid: 'hard_sigmoid',
  logSoftmax: 'log_softmax',
  hardSilu: 'hard_silu',
};

const namesByFunction = new Map<ActivationFn, string>(Object.entries(activationsByName).map(([name, fn]) => [fn, name]));

/** The canonical Keras name of an activation identifier. */
function canonicalName(name: string): string {
  return activationAliases[name] ?? name;
}

/**
 * Resolves an activation by Keras name (`'relu'`, `'gelu'`, `'swish'`...), a function, or null/undefined
 * (linear). `keras.activations.get`.
 *
 * @example getActivation('hard_sigmoid')(x)
 */
export function getActivation(identifier: ActivationIdentifier, context = 'activation'): ActivationFn {
  if (identifier === null || identifier === undefined) return linear;
  if (typeof identifier === 'function') return identifier;
  if (typeof identifier === 'string') {
    const fn = activationsByName[canonicalName(identifier)];
    if (fn) return fn;
  }
  throw new ArgumentError(
    `${context}: unknown activation ${JSON.stringify(identifier)}; known: ${[...Object.keys(activationsByName), ...Object.keys(activationAliases)].join(', ')}`,
  );
}

/** The name Keras writes for an activation in a config. Custom functions serialize by their JS name. */
export function serializeActivation(fn: ActivationFn): string {
  return namesByFunction.get(fn) ?? (fn.name || 'custom_activation');
}

/** Every activation name Keras configs may hold (aliases included). */
export function activationNames(): string[] {
  return [...Object.keys(activationsByName), ...Object.keys(activationAliases)];
}
