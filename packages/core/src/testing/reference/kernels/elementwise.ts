import type { DataId, KernelInput } from '../../../backend.js';
import type { TensorInfo } from '../../../ops/op.js';
import { elementwisePrimitives } from '../../../ops/groups/elementwise.js';
import { getPrimitive } from '../../../ops/primitives.js';
import type { KernelsFor, ReferenceStore } from '../store.js';
import { broadcastIndexMap, coerceFor, output } from '../store.js';

/**
 * Evaluates an elementwise primitive straight from its declared formula, element by element in
 * doubles, rounding each result to the output dtype: the definition of the op, with no tricks.
 */
export function evaluateFormula(
  store: ReferenceStore,
  opName: string,
  inputs: readonly KernelInput[],
  out: TensorInfo,
): DataId {
  const formula = getPrimitive(opName)?.formula?.[inputs[0].dtype];
  if (formula === undefined) throw new Error(`reference: ${opName} has no formula for ${inputs[0].dtype}`);
  const result = output(out.dtype, out.shape);
  const coerce = coerceFor(out.dtype);
  const values = inputs.map((t) => store.values(t.id));
  const maps = inputs.map((t) => broadcastIndexMap(t.shape, out.shape));
  const args = new Array<number>(inputs.length);
  for (let i = 0; i < result.length; i++) {
    for (let k = 0; k < inputs.length; k++) args[k] = values[k][maps[k][i]];
    result[i] = coerce(formula(...args));
  }
  return store.create(result);
}

export function elementwiseKernels(store: ReferenceStore): KernelsFor<typeof elementwisePrimitives> {
  const byFormula = (name: string) => (inputs: readonly KernelInput[], _attrs: unknown, [out]: readonly TensorInfo[]) => [
    evaluateFormula(store, name, inputs, out),
  ];
  return {
    abs: byFormula('abs'),
    add: byFormula('add'),
    atan2: byFormula('atan2'),
    cast: byFormula('cast'),
    ceil: byFormula('ceil'),
    cos: byFormula('cos'),
    div: byFormula('div'),
    equal: byFormula('equal'),
    erf: byFormula('erf'),
    exp: byFormula('exp'),
    expm1: byFormula('expm1'),
    floor: byFormula('floor'),
    floorDiv: byFormula('floorDiv'),
    greater: byFormula('greater'),
    greaterEqual: byFormula('greaterEqual'),
    isFinite: byFormula('isFinite'),
    isNaN: byFormula('isNaN'),
    less: byFormula('less'),
    lessEqual: byFormula('lessEqual'),
    log: byFormula('log'),
    log1p: byFormula('log1p'),
    logicalAnd: byFormula('logicalAnd'),
    logicalNot: byFormula('logicalNot'),
    logicalOr: byFormula('logicalOr'),
    maximum: byFormula('maximum'),
    minimum: byFormula('minimum'),
    mod: byFormula('mod'),
    mul: byFormula('mul'),
    neg: byFormula('neg'),
    notEqual: byFormula('notEqual'),
    pow: byFormula('pow'),
    reciprocal: byFormula('reciprocal'),
    relu: byFormula('relu'),
    round: byFormula('round'),
    rsqrt: byFormula('rsqrt'),
    sigmoid: byFormula('sigmoid'),
    sign: byFormula('sign'),
    sin: byFormula('sin'),
    sqrt: byFormula('sqrt'),
    square: byFormula('square'),
    sub: byFormula('sub'),
    tanh: byFormula('tanh'),
    where: byFormula('where'),
  };
}
