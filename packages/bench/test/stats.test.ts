import { describe, expect, it } from 'vitest';
import { median, summarize } from '../src/stats.js';

describe('median and range', () => {
  it('takes the middle value of an odd count, unsorted input', () => {
    expect(median([5, 1, 3])).toBe(3);
  });
  it('averages the two middle values of an even count', () => {
    expect(median([4, 1, 3, 10])).toBe(3.5);
  });
  it('summarizes median, min, max and count', () => {
    expect(summarize([2.5, 9, 1, 4, 3])).toEqual({ median: 3, min: 1, max: 9, count: 5 });
  });
  it('refuses an empty sample', () => {
    expect(() => summarize([])).toThrow('summarize: no values');
  });
});
