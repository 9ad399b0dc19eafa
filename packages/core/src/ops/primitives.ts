import { contractionMiscPrimitives } from './groups/contraction-misc.js';
import { elementwisePrimitives } from './groups/elementwise.js';
import { reductionMovementPrimitives } from './groups/reduction-movement.js';
import type { OpDef } from './op.js';

/**
 * Every primitive, by name. Backends' kernel tables, the gradient rules and the fusion formulas are
 * typed over this table, so adding a primitive here is a type error until each backend answers it.
 */
export const primitives = {
  ...elementwisePrimitives,
  ...reductionMovementPrimitives,
  ...contractionMiscPrimitives,
} as const;

export type Primitives = typeof primitives;
export type OpName = keyof Primitives;
export type AttrsOf<N extends OpName> = Primitives[N] extends OpDef<string, infer A> ? A : never;

export function getPrimitive(name: string): OpDef | undefined {
  return (primitives as Record<string, OpDef>)[name];
}
