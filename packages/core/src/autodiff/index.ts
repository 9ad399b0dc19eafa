export { GradientTape } from './tape.js';
export type { CustomGradFn, GradientOptions, GradientTapeOptions } from './tape.js';
export { customGrad, grad, grads, stopGradient, valueAndGrad, valueAndGrads } from './functions.js';
export type { CustomGradResult } from './functions.js';
