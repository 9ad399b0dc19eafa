import { describe, expect, it } from 'vitest';
import { crossCheck, firstMismatch } from '../src/check.js';

const tol = { rtol: 1e-3, atol: 1e-5 };
const f = (...v: number[]) => new Float32Array(v);

describe('firstMismatch', () => {
  it('accepts differences within atol + rtol·|value|', () => {
    expect(firstMismatch(f(1000, 0), f(1000.9, 0.000009), tol)).toBeNull();
  });
  it('names the first element beyond the tolerance', () => {
    expect(firstMismatch(f(1, 2, 3), f(1, 2.01, 3.5), tol)).toEqual({ index: 1, a: 2, b: Math.fround(2.01) });
  });
  it('treats NaN as equal only to NaN', () => {
    expect(firstMismatch(f(NaN), f(NaN), tol)).toBeNull();
    expect(firstMismatch(f(NaN), f(0), tol)?.index).toBe(0);
  });
  it('reports different lengths', () => {
    expect(firstMismatch(f(1, 2), f(1), tol)).toEqual({ index: -1, a: 2, b: 1 });
  });
});

describe('crossCheck', () => {
  it('flags the one contender whose output is wrong and names where', () => {
    const good = f(0.5, 1.5, -2);
    const verdicts = crossCheck(
      new Map([
        ['tfjs', good],
        ['ort', f(0.5, 1.5000001, -2)],
        ['wrong', f(0.5, 1.7, -2)],
      ]),
      tol,
    );
    expect(verdicts.get('tfjs')).toEqual({ ok: true, agreesWith: ['ort'] });
    expect(verdicts.get('ort')).toEqual({ ok: true, agreesWith: ['tfjs'] });
    const wrong = verdicts.get('wrong')!;
    expect(wrong.ok).toBe(false);
    expect(wrong.agreesWith).toEqual([]);
    expect(wrong.detail).toBe(`disagrees with 2 of 2: wrong[1] = ${Math.fround(1.7)} but tfjs gives 1.5`);
  });
  it('marks both when only two contenders disagree, since neither can be preferred', () => {
    const verdicts = crossCheck(new Map([['a', f(1)], ['b', f(2)]]), tol);
    expect(verdicts.get('a')?.ok).toBe(false);
    expect(verdicts.get('b')?.ok).toBe(false);
  });
  it('passes a contender that agrees with half of the others', () => {
    const verdicts = crossCheck(new Map([['a', f(1)], ['b', f(1)], ['c', f(5)]]), tol);
    expect([...verdicts].map(([k, v]) => [k, v.ok])).toEqual([['a', true], ['b', true], ['c', false]]);
  });
  it('says when there is nothing to compare with', () => {
    expect(crossCheck(new Map([['alone', f(1)]]), tol).get('alone')).toEqual({
      ok: true,
      agreesWith: [],
      detail: 'no other contender to compare with',
    });
  });
});
