import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import type { Tensor } from '@tessera/core';

export function fixture<T>(name: string): T {
  return JSON.parse(readFileSync(new URL(`../fixtures/${name}`, import.meta.url), 'utf8')) as T;
}

/** Flattens nested number arrays. */
export function flat(a: unknown): number[] {
  return Array.isArray(a) ? a.flatMap(flat) : [a as number];
}

/** Asserts every element of `actual` is within `atol + rtol*|expected|` of `expected`. */
export function expectClose(actual: Tensor | unknown, expected: unknown, atol = 1e-5, rtol = 1e-5): void {
  const got = flat(isTensor(actual) ? actual.arraySync() : actual);
  const want = flat(expected);
  expect(got.length).toBe(want.length);
  got.forEach((g, i) => {
    const ok = Math.abs(g - want[i]) <= atol + rtol * Math.abs(want[i]) || (Number.isNaN(g) && Number.isNaN(want[i]));
    if (!ok) expect.fail(`element ${i}: got ${g}, expected ${want[i]} (all got ${JSON.stringify(got)}, expected ${JSON.stringify(want)})`);
  });
}

function isTensor(x: unknown): x is Tensor {
  return typeof x === 'object' && x !== null && 'arraySync' in x;
}
