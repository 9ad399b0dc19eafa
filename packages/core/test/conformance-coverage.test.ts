import { describe, expect, it } from 'vitest';
import { primitives } from '../src/index.js';
import { conformanceCases } from '../src/testing/index.js';

// The table must cover the registry: a primitive without cases, or a differentiable primitive
// without a gradient check, fails here rather than going unnoticed.
describe('conformance coverage', () => {
  const byOp = new Map<string, number>();
  const withGrad = new Set<string>();
  for (const c of conformanceCases) {
    byOp.set(c.op, (byOp.get(c.op) ?? 0) + 1);
    if (c.gradWrt !== undefined) withGrad.add(c.op);
  }

  it('every registry entry is defined under its own name', () => {
    const mismatched = Object.entries(primitives).filter(([name, def]) => def?.name !== name);
    expect(mismatched).toEqual([]);
  });

  it('case names are unique', () => {
    const names = conformanceCases.map((c) => c.name);
    expect(names.length - new Set(names).size).toBe(0);
  });

  it.each(Object.keys(primitives))('%s has at least 3 cases', (name) => {
    expect(byOp.get(name) ?? 0).toBeGreaterThanOrEqual(3);
  });

  it.each(Object.entries(primitives).filter(([, def]) => typeof def.grad === 'function').map(([name]) => name))(
    '%s has a gradient check',
    (name) => {
      expect(withGrad.has(name)).toBe(true);
    },
  );
});
