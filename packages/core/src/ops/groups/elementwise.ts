// Elementwise primitives: one line per op in the table and one in the exports.
import { absOp } from '../abs.js';
import { addOp } from '../add.js';
import { atan2Op } from '../atan2.js';
import { castOp } from '../cast.js';
import { ceilOp } from '../ceil.js';
import { cosOp } from '../cos.js';
import { divOp } from '../div.js';
import { equalOp } from '../equal.js';
import { erfOp } from '../erf.js';
import { expOp } from '../exp.js';
import { expm1Op } from '../expm1.js';
import { floorOp } from '../floor.js';
import { floorDivOp } from '../floor-div.js';
import { greaterOp } from '../greater.js';
import { greaterEqualOp } from '../greater-equal.js';
import { isFiniteOp } from '../is-finite.js';
import { isNaNOp } from '../is-nan.js';
import { lessOp } from '../less.js';
import { lessEqualOp } from '../less-equal.js';
import { logOp } from '../log.js';
import { log1pOp } from '../log1p.js';
import { logicalAndOp } from '../logical-and.js';
import { logicalNotOp } from '../logical-not.js';
import { logicalOrOp } from '../logical-or.js';
import { maximumOp } from '../maximum.js';
import { minimumOp } from '../minimum.js';
import { modOp } from '../mod.js';
import { mulOp } from '../mul.js';
import { negOp } from '../neg.js';
import { notEqualOp } from '../not-equal.js';
import { powOp } from '../pow.js';
import { reciprocalOp } from '../reciprocal.js';
import { reluOp } from '../relu.js';
import { roundOp } from '../round.js';
import { rsqrtOp } from '../rsqrt.js';
import { sigmoidOp } from '../sigmoid.js';
import { signOp } from '../sign.js';
import { sinOp } from '../sin.js';
import { sqrtOp } from '../sqrt.js';
import { squareOp } from '../square.js';
import { subOp } from '../sub.js';
import { tanhOp } from '../tanh.js';
import { whereOp } from '../where.js';

export const elementwisePrimitives = {
  abs: absOp,
  add: addOp,
  atan2: atan2Op,
  cast: castOp,
  ceil: ceilOp,
  cos: cosOp,
  div: divOp,
  equal: equalOp,
  erf: erfOp,
  exp: expOp,
  expm1: expm1Op,
  floor: floorOp,
  floorDiv: floorDivOp,
  greater: greaterOp,
  greaterEqual: greaterEqualOp,
  isFinite: isFiniteOp,
  isNaN: isNaNOp,
  less: lessOp,
  lessEqual: lessEqualOp,
  log: logOp,
  log1p: log1pOp,
  logicalAnd: logicalAndOp,
  logicalNot: logicalNotOp,
  logicalOr: logicalOrOp,
  maximum: maximumOp,
  minimum: minimumOp,
  mod: modOp,
  mul: mulOp,
  neg: negOp,
  notEqual: notEqualOp,
  pow: powOp,
  reciprocal: reciprocalOp,
  relu: reluOp,
  round: roundOp,
  rsqrt: rsqrtOp,
  sigmoid: sigmoidOp,
  sign: signOp,
  sin: sinOp,
  sqrt: sqrtOp,
  square: squareOp,
  sub: subOp,
  tanh: tanhOp,
  where: whereOp,
} as const;

export { abs } from '../abs.js';
export { add } from '../add.js';
export { atan2 } from '../atan2.js';
export { cast } from '../cast.js';
export { ceil } from '../ceil.js';
export { cos } from '../cos.js';
export { div } from '../div.js';
export { equal } from '../equal.js';
export { erf } from '../erf.js';
export { exp } from '../exp.js';
export { expm1 } from '../expm1.js';
export { floor } from '../floor.js';
export { floorDiv } from '../floor-div.js';
export { greater } from '../greater.js';
export { greaterEqual } from '../greater-equal.js';
export { isFinite } from '../is-finite.js';
export { isNaN } from '../is-nan.js';
export { less } from '../less.js';
export { lessEqual } from '../less-equal.js';
export { log } from '../log.js';
export { log1p } from '../log1p.js';
export { logicalAnd } from '../logical-and.js';
export { logicalNot } from '../logical-not.js';
export { logicalOr } from '../logical-or.js';
export { maximum } from '../maximum.js';
export { minimum } from '../minimum.js';
export { mod } from '../mod.js';
export { mul } from '../mul.js';
export { neg } from '../neg.js';
export { notEqual } from '../not-equal.js';
export { pow } from '../pow.js';
export { reciprocal } from '../reciprocal.js';
export { relu } from '../relu.js';
export { round } from '../round.js';
export { rsqrt } from '../rsqrt.js';
export { sigmoid } from '../sigmoid.js';
export { sign } from '../sign.js';
export { sin } from '../sin.js';
export { sqrt } from '../sqrt.js';
export { square } from '../square.js';
export { sub } from '../sub.js';
export { tanh } from '../tanh.js';
export { where } from '../where.js';
