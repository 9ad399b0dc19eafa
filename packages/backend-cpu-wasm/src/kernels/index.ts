import type { Kernel, KernelTable, Unsupported } from '@tessera/core';
import { isUnsupported } from '@tessera/core';
import type { WasmContext } from '../context.js';
import { contractionKernels } from './contraction.js';
import { creationKernels } from './creation.js';
import { movementKernels } from './movement.js';
import { poolingKernels } from './pooling.js';
import { argReductionKernel, reductionKernel } from './reduction.js';
import { binaryKernel, castKernel, unaryKernel, whereKernel } from './elementwise.js';
import { cumsumKernel } from './scan.js';

/** The wasm backend's kernel for every primitive, or the reason it has none. */
export function buildKernelTable(context: WasmContext): KernelTable {
  const table: KernelTable = {
    abs: unaryKernel(context, 'abs'),
    add: binaryKernel(context, 'add'),
    atan2: binaryKernel(context, 'atan2'),
    ceil: unaryKernel(context, 'ceil'),
    cos: unaryKernel(context, 'cos'),
    div: binaryKernel(context, 'div'),
    equal: binaryKernel(context, 'equal'),
    erf: unaryKernel(context, 'erf'),
    exp: unaryKernel(context, 'exp'),
    expm1: unaryKernel(context, 'expm1'),
    floor: unaryKernel(context, 'floor'),
    floorDiv: binaryKernel(context, 'floorDiv'),
    greater: binaryKernel(context, 'greater'),
    greaterEqual: binaryKernel(context, 'greaterEqual'),
    isFinite: unaryKernel(context, 'isFinite'),
    isNaN: unaryKernel(context, 'isNaN'),
    less: binaryKernel(context, 'less'),
    lessEqual: binaryKernel(context, 'lessEqual'),
    log1p: unaryKernel(context, 'log1p'),
    log: unaryKernel(context, 'log'),
    logicalAnd: binaryKernel(context, 'logicalAnd'),
    logicalNot: unaryKernel(context, 'logicalNot'),
    logicalOr: binaryKernel(context, 'logicalOr'),
    maximum: binaryKernel(context, 'maximum'),
    minimum: binaryKernel(context, 'minimum'),
    mod: binaryKernel(context, 'mod'),
    mul: binaryKernel(context, 'mul'),
    neg: unaryKernel(context, 'neg'),
    notEqual: binaryKernel(context, 'notEqual'),
    pow: binaryKernel(context, 'pow'),
    reciprocal: unaryKernel(context, 'reciprocal'),
    relu: unaryKernel(context, 'relu'),
    round: unaryKernel(context, 'round'),
    rsqrt: unaryKernel(context, 'rsqrt'),
    sigmoid: unaryKernel(context, 'sigmoid'),
    sign: unaryKernel(context, 'sign'),
    sin: unaryKernel(context, 'sin'),
    sqrt: unaryKernel(context, 'sqrt'),
    square: unaryKernel(context, 'square'),
    sub: binaryKernel(context, 'sub'),
    tanh: unaryKernel(context, 'tanh'),
    cast: castKernel(context),
    where: whereKernel(context),

    sum: reductionKernel(context, 'sum'),
    max: reductionKernel(context, 'max'),
    min: reductionKernel(context, 'min'),
    prod: reductionKernel(context, 'prod'),
    any: reductionKernel(context, 'any'),
    all: reductionKernel(context, 'all'),
    argMax: argReductionKernel(context, 'argmax'),
    argMin: argReductionKernel(context, 'argmin'),

    ...movementKernels(context),

    ...contractionKernels(context),
    ...poolingKernels(context),
    ...creationKernels(context),
    cumsum: cumsumKernel(context),
  };
  return guardAll(context, table);
}

/** Every kernel run through `context.runKernel`, so that a failing kernel leaks none of its outputs. */
function guardAll(context: WasmContext, table: KernelTable): KernelTable {
  const guarded: Record<string, Kernel | Unsupported> = {};
  for (const [name, kernel] of Object.entries(table) as [string, Kernel | Unsupported][]) {
    guarded[name] = isUnsupported(kernel) ? kernel : (inputs, attrs, outputs) => context.runKernel(name, () => kernel(inputs, attrs, outputs));
  }
  return guarded as KernelTable;
}
