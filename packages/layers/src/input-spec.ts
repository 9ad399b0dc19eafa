import { ArgumentError, ShapeError } from '@tessera/core';

/** A shape as layers see it: `null` where a dimension (usually the batch) is not fixed. */
export type LayerShape = readonly (number | null)[];

export function formatLayerShape(shape: LayerShape): string {
  return `[${shape.map((d) => (d === null ? 'null' : String(d))).join(',')}]`;
}

/**
 * Input constraints a layer checks on every call. Keras's `InputSpec`. Negative axes count from the end.
 */
export interface InputSpec {
  ndim?: number;
  minNdim?: number;
  maxNdim?: number;
  axes?: Readonly<Record<number, number>>;
  shape?: LayerShape;
}

/** Checks inputs against a layer's spec(s); errors name the layer, the input, what was expected and what was given. */
export function assertInputCompatibility(
  layerName: string,
  layerSpec: InputSpec | readonly (InputSpec | null)[] | null,
  inputs: readonly { shape: LayerShape }[],
): void {
  if (layerSpec === null) return;
  const specs = Array.isArray(layerSpec) ? (layerSpec as readonly (InputSpec | null)[]) : [layerSpec as InputSpec];
  if (Array.isArray(layerSpec) && specs.length !== inputs.length) {
    throw new ArgumentError(`${layerName}: expects ${specs.length} inputs, got ${inputs.length}`);
  }
  specs.forEach((spec, i) => {
    if (spec === null || i >= inputs.length) return;
    const shape = inputs[i].shape;
    const given = formatLayerShape(shape);
    const which = inputs.length > 1 ? `input ${i}` : 'input';
    if (spec.ndim !== undefined && shape.length !== spec.ndim) {
      throw new ShapeError(`${layerName}: ${which} must be rank ${spec.ndim}, got shape ${given}`);
    }
    if (spec.minNdim !== undefined && shape.length < spec.minNdim) {
      throw new ShapeError(`${layerName}: ${which} must be at least rank ${spec.minNdim}, got shape ${given}`);
    }
    if (spec.maxNdim !== undefined && shape.length > spec.maxNdim) {
      throw new ShapeError(`${layerName}: ${which} must be at most rank ${spec.maxNdim}, got shape ${given}`);
    }
    for (const [axisKey, size] of Object.entries(spec.axes ?? {})) {
      const axis = Number(axisKey) < 0 ? shape.length + Number(axisKey) : Number(axisKey);
      const actual = shape[axis];
      if (actual !== null && actual !== undefined && actual !== size) {
        throw new ShapeError(`${layerName}: ${which} must have size ${size} on axis ${axisKey}, got shape ${given}`);
      }
    }
    if (spec.shape !== undefined) {
      const expected = formatLayerShape(spec.shape);
      const mismatch =
        spec.shape.length !== shape.length || spec.shape.some((d, j) => d !== null && shape[j] !== null && d !== shape[j]);
      if (mismatch) throw new ShapeError(`${layerName}: ${which} must have shape ${expected}, got shape ${given}`);
    }
  });
}
