import * as ops from '../../../ops/index.js';
import type { ConformanceCase } from '../case.js';

export const reductionMovementCases: ConformanceCase[] = [
  {
    name: 'sum: over axis 1',
    op: 'sum',
    inputs: [{ shape: [2, 3], values: [1, 2, 3, 4, 5, 6] }],
    run: (x) => ops.sum(x, 1),
    expected: [[6, 15]],
    gradWrt: [0],
  },
  {
    name: 'reshape: with -1',
    op: 'reshape',
    inputs: [{ shape: [2, 3] }],
    run: (x) => ops.reshape(x, [3, -1]),
    gradWrt: [0],
  },
  {
    name: 'broadcastTo: [3,1] to [2,3,4]',
    op: 'broadcastTo',
    inputs: [{ shape: [3, 1] }],
    run: (x) => ops.broadcastTo(x, [2, 3, 4]),
    gradWrt: [0],
  },
];
