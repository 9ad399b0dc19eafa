import type { Graph } from '@tessera/core';
import { expect } from 'vitest';
import type { MemoryPlan } from '../../src/passes/memory-plan.js';

const BYTES = { float32: 4, int32: 4, bool: 1 } as const;

/**
 * Checks a memory plan against its graph from first principles: values sharing a slot are never
 * alive at the same time (a reshape keeps its source's buffer alive), except an in-place output
 * taking its dying input's slot at that very node; every slot is big enough; every owned value is
 * released exactly once, at its last use.
 */
export function expectPlanSound(graph: Graph, plan: MemoryPlan): void {
  const position = new Map<number, number>();
  graph.inputs.forEach((id) => position.set(id, -1));
  graph.nodes.forEach((node, p) => node.outputs.forEach((id) => position.set(id, p)));
  const lastUse = new Map<number, number>();
  graph.nodes.forEach((node, p) => node.inputs.forEach((id) => lastUse.set(id, p)));
  graph.outputs.forEach((id) => lastUse.set(id, graph.nodes.length));
  // Buffers: a reshape output belongs to its source's buffer.
  const owner = new Map<number, number>();
  for (const node of graph.nodes) if (node.op === 'reshape') owner.set(node.outputs[0], owner.get(node.inputs[0]) ?? node.inputs[0]);
  const bufferOf = (id: number) => owner.get(id) ?? id;
  const span = new Map<number, [number, number]>();
  for (const [id, def] of position) {
    const b = bufferOf(id);
    const end = lastUse.get(id) ?? def;
    const current = span.get(b);
    span.set(b, current === undefined ? [def, end] : [Math.min(current[0], def), Math.max(current[1], end)]);
  }
  const inPlacePairs = new Set<string>();
  for (const uses of plan.inPlace.values()) for (const u of uses) inPlacePairs.add(`${u.input}>${u.output}`);
  const bySlot = new Map<number, number[]>();
  for (const [id, slot] of plan.slotOf) {
    const value = graph.values.get(id)!;
    const bytes = value.shape.reduce<number>((p, d) => p * d!, 1) * BYTES[value.dtype];
    expect(plan.slotBytes[slot]).toBeGreaterThanOrEqual(bytes);
    if (bufferOf(id) !== id) continue;
    const list = bySlot.get(slot) ?? [];
    list.push(id);
    bySlot.set(slot, list);
  }
  // Chains of in-place hand-offs make one buffer's lifetime continue into the next.
  for (const buffers of bySlot.values()) {
    const sorted = [...buffers].sort((a, b) => span.get(a)![0] - span.get(b)![0]);
    for (let i = 1; i < sorted.length; i++) {
      const [, prevEnd] = span.get(sorted[i - 1])!;
      const [start] = span.get(sorted[i])!;
      const handedOn = prevEnd === start && inPlacePairs.has(`${sorted[i - 1]}>${sorted[i]}`);
      expect(prevEnd < start || handedOn, `values %${sorted[i - 1]} and %${sorted[i]} overlap in slot ${plan.slotOf.get(sorted[i])}`).toBe(true);
    }
  }
  const released = plan.releaseAfter.flat();
  expect(new Set(released).size).toBe(released.length);
  plan.releaseAfter.forEach((ids, p) => ids.forEach((id) => expect(lastUse.get(id) ?? position.get(id)).toBe(p)));
}
