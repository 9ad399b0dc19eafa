import type { KernelTable, Unsupported } from '@tessera/core';
import type { WasmContext } from '../context.js';
import { binaryKernel, castKernel, unaryKernel } from './elementwise.js';

const notYet = (what: string): Unsupported => ({ unsupported: `${what} is not implemented in the wasm backend yet` });

/** The wasm backend's kernel for every primitive, or the reason it has none. */
export function buildKernelTable(context: WasmContext): KernelTable {
  return {
    add: binaryKernel(context, 'add'),
    mul: binaryKernel(context, 'mul'),
    exp: unaryKernel(context, 'exp'),
    cast: castKernel(context),

    sum: notYet('sum'),
    max: notYet('max'),
    min: notYet('min'),
    prod: notYet('prod'),
    any: notYet('any'),
    all: notYet('all'),
    argMax: notYet('argMax'),
    argMin: notYet('argMin'),
    reshape: notYet('reshape'),
    broadcastTo: notYet('broadcastTo'),
    transpose: notYet('transpose'),
    slice: notYet('slice'),
    stridedSlice: notYet('stridedSlice'),
    concat: notYet('concat'),
    pad: notYet('pad'),
    tile: notYet('tile'),
    reverse: notYet('reverse'),
    gather: notYet('gather'),
    unsortedSegmentSum: notYet('unsortedSegmentSum'),

    matMul: notYet('matMul'),
    conv2d: notYet('conv2d'),
    conv2dBackpropInput: notYet('conv2dBackpropInput'),
    conv2dBackpropFilter: notYet('conv2dBackpropFilter'),
    maxPool: notYet('maxPool'),
    maxPoolGrad: notYet('maxPoolGrad'),
    avgPool: notYet('avgPool'),
    avgPoolGrad: notYet('avgPoolGrad'),
    oneHot: notYet('oneHot'),
    cumsum: notYet('cumsum'),
    range: notYet('range'),
    random: notYet('random'),
  };
}
