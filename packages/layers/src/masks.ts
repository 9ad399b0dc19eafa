import type { Tensor } from '@tessera/core';

/** The masks Keras attaches to tensors (`_keras_mask`), kept beside them rather than on them. */
const attachedMasks = new WeakMap<Tensor, Tensor>();

/** The mask a layer attached to `t`, if any. Keras's `tensor._keras_mask`. */
export function getAttachedMask(t: Tensor): Tensor | null {
  return attachedMasks.get(t) ?? null;
}

/** Attaches `mask` to `t` so that the next layer receives it. */
export function attachMask(t: Tensor, mask: Tensor | null): void {
  if (mask === null) attachedMasks.delete(t);
  else attachedMasks.set(t, mask);
}
