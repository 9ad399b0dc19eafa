// Elementwise primitives: one line per op in the table and one in the exports.
import { addOp } from '../add.js';
import { castOp } from '../cast.js';
import { expOp } from '../exp.js';
import { mulOp } from '../mul.js';

export const elementwisePrimitives = {
  add: addOp,
  cast: castOp,
  exp: expOp,
  mul: mulOp,
} as const;

export { add } from '../add.js';
export { cast } from '../cast.js';
export { exp } from '../exp.js';
export { mul } from '../mul.js';
