import { ArgumentError } from '@tessera/core';
import { Adadelta, Adagrad, Adam, Adamax, AdamW, Nadam, RMSprop, SGD } from './catalogue.js';
import { Optimizer } from './optimizer.js';

export * from './catalogue.js';
export { Optimizer } from './optimizer.js';
export type { GradientPair, OptimizerOptions } from './optimizer.js';
export * from './schedules.js';

const byName: Record<string, () => Optimizer> = {
  sgd: () => new SGD(),
  adam: () => new Adam(),
  adamw: () => new AdamW(),
  rmsprop: () => new RMSprop(),
  adagrad: () => new Adagrad(),
  adadelta: () => new Adadelta(),
  adamax: () => new Adamax(),
  nadam: () => new Nadam(),
};

/** An optimizer from its Keras name (`'adam'`, `'sgd'`, ...) with default settings, or the instance given. `keras.optimizers.get`. */
export function getOptimizer(identifier: string | Optimizer): Optimizer {
  if (identifier instanceof Optimizer) return identifier;
  const make = typeof identifier === 'string' ? byName[identifier.toLowerCase()] : undefined;
  if (!make) {
    throw new ArgumentError(`optimizer: unknown optimizer ${JSON.stringify(identifier)}; expected an Optimizer or one of ${Object.keys(byName).join(', ')}`);
  }
  return make();
}
