import type { ConformanceCase } from '../case.js';
import { compositeCases } from './composites.js';
import { contractionMiscCases } from './contraction-misc.js';
import { elementwiseCases } from './elementwise.js';
import { reductionMovementCases } from './reduction-movement.js';

/** The whole conformance table. */
export const conformanceCases: readonly ConformanceCase[] = [
  ...elementwiseCases,
  ...reductionMovementCases,
  ...contractionMiscCases,
  ...compositeCases,
];
