// Reduction and movement primitives: one line per op in the table and one in the exports.
import { allOp } from '../all.js';
import { anyOp } from '../any.js';
import { argMaxOp } from '../arg-max.js';
import { argMinOp } from '../arg-min.js';
import { broadcastToOp } from '../broadcast-to.js';
import { concatOp } from '../concat.js';
import { gatherOp } from '../gather.js';
import { maxOp } from '../max.js';
import { minOp } from '../min.js';
import { padOp } from '../pad.js';
import { prodOp } from '../prod.js';
import { reshapeOp } from '../reshape.js';
import { reverseOp } from '../reverse.js';
import { sliceOp } from '../slice.js';
import { stridedSliceOp } from '../strided-slice.js';
import { sumOp } from '../sum.js';
import { tileOp } from '../tile.js';
import { transposeOp } from '../transpose.js';
import { unsortedSegmentSumOp } from '../unsorted-segment-sum.js';

export const reductionMovementPrimitives = {
  all: allOp,
  any: anyOp,
  argMax: argMaxOp,
  argMin: argMinOp,
  broadcastTo: broadcastToOp,
  concat: concatOp,
  gather: gatherOp,
  max: maxOp,
  min: minOp,
  pad: padOp,
  prod: prodOp,
  reshape: reshapeOp,
  reverse: reverseOp,
  slice: sliceOp,
  stridedSlice: stridedSliceOp,
  sum: sumOp,
  tile: tileOp,
  transpose: transposeOp,
  unsortedSegmentSum: unsortedSegmentSumOp,
} as const;

export { all } from '../all.js';
export { any } from '../any.js';
export { argMax } from '../arg-max.js';
export { argMin } from '../arg-min.js';
export { broadcastTo } from '../broadcast-to.js';
export { concat } from '../concat.js';
export { gather } from '../gather.js';
export { max } from '../max.js';
export { min } from '../min.js';
export { pad } from '../pad.js';
export { prod } from '../prod.js';
export { reshape } from '../reshape.js';
export { reverse } from '../reverse.js';
export { slice } from '../slice.js';
export { stridedSlice } from '../strided-slice.js';
export { sum } from '../sum.js';
export { tile } from '../tile.js';
export { transpose } from '../transpose.js';
export { unsortedSegmentSum } from '../unsorted-segment-sum.js';
export type { StridedSliceOptions } from '../strided-slice.js';
