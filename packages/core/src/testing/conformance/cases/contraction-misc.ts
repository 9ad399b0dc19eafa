import type { ConformanceCase } from '../case.js';

export const contractionMiscCases: ConformanceCase[] = [];
