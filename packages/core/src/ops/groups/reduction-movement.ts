// Reduction and movement primitives: one line per op in the table and one in the exports.
import { broadcastToOp } from '../broadcast-to.js';
import { reshapeOp } from '../reshape.js';
import { sumOp } from '../sum.js';

export const reductionMovementPrimitives = {
  broadcastTo: broadcastToOp,
  reshape: reshapeOp,
  sum: sumOp,
} as const;

export { broadcastTo } from '../broadcast-to.js';
export { reshape } from '../reshape.js';
export { sum } from '../sum.js';
