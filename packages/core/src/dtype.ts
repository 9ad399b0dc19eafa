import { DTypeError } from './errors.js';

/**
 * The element types a tensor can hold. Adding `float16` means one more entry in
 * `dtypeInfo` and in the promotion order; nothing else switches on the names.
 */
export type DType = 'float32' | 'int32' | 'bool';

export type TypedArray = Float32Array | Int32Array | Uint8Array;

/** The typed array that stores each dtype. */
export interface DTypeArrays {
  float32: Float32Array;
  int32: Int32Array;
  bool: Uint8Array;
}

interface DTypeInfo {
  readonly bytesPerElement: number;
  readonly isFloat: boolean;
  /** Position in the promotion order: a binary op's result takes the higher one. */
  readonly rank: number;
  readonly create: (length: number) => TypedArray;
  /** Converts a JS number to the value this dtype stores (cast semantics). */
  readonly coerce: (value: number) => number;
}

export const dtypeInfo: Readonly<Record<DType, DTypeInfo>> = {
  bool: { bytesPerElement: 1, isFloat: false, rank: 0, create: (n) => new Uint8Array(n), coerce: (v) => (v !== 0 ? 1 : 0) },
  int32: {
    bytesPerElement: 4,
    isFloat: false,
    rank: 1,
    create: (n) => new Int32Array(n),
    // Float → int casts truncate toward zero (as C, TF and NumPy do); NaN becomes 0.
    coerce: (v) => (Number.isNaN(v) ? 0 : Math.trunc(v) | 0),
  },
  float32: { bytesPerElement: 4, isFloat: true, rank: 2, create: (n) => new Float32Array(n), coerce: Math.fround },
};

export const DTYPES: readonly DType[] = ['float32', 'int32', 'bool'];

export function isDType(value: unknown): value is DType {
  return typeof value === 'string' && value in dtypeInfo;
}

/** The dtype two operands promote to (JAX-style: bool < int32 < float32). */
export function promoteTypes(a: DType, b: DType): DType {
  return dtypeInfo[a].rank >= dtypeInfo[b].rank ? a : b;
}

export function createTypedArray<D extends DType>(dtype: D, length: number): DTypeArrays[D] {
  return dtypeInfo[dtype].create(length) as DTypeArrays[D];
}

export function assertDType(op: string, arg: string, given: DType, allowed: readonly DType[]): void {
  if (!allowed.includes(given)) {
    throw new DTypeError(`${op}: ${arg} must be ${allowed.join(' or ')}, got ${given}`);
  }
}
