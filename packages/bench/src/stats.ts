/** Summary of repeated timings: the median is what tables quote; the range shows how noisy the run was. */
export interface Summary {
  median: number;
  min: number;
  max: number;
  count: number;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error('median: no values');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export function summarize(values: readonly number[]): Summary {
  if (values.length === 0) throw new Error('summarize: no values');
  return { median: median(values), min: Math.min(...values), max: Math.max(...values), count: values.length };
}
