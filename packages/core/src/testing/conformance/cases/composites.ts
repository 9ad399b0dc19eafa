import * as ops from '../../../ops/index.js';
import type { ConformanceCase } from '../case.js';

export const compositeCases: ConformanceCase[] = [
  {
    name: 'fill: [2,3] with 7',
    op: 'fill',
    inputs: [],
    run: () => ops.fill([2, 3], 7),
    expected: [[7, 7, 7, 7, 7, 7]],
  },
];
