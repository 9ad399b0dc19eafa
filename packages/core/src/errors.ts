/**
 * The few error classes Tessera throws. Every message has one form:
 * `<op or layer>: <what was wrong>, <expected> vs <given>`, e.g.
 * `matMul: inner dimensions differ: a is [2,3], b is [4,5]`.
 */
export class TesseraError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** A shape, rank or axis that does not fit the op. */
export class ShapeError extends TesseraError {}

/** A dtype that the op does not accept. */
export class DTypeError extends TesseraError {}

/** A tensor or variable used after `dispose()`. */
export class DisposedError extends TesseraError {}

/** Something asked of a symbolic tensor inside `trace` that only an eager tensor can do. */
export class TraceError extends TesseraError {}

/** No backend, an unknown backend, or tensors of two backends mixed in one op. */
export class BackendError extends TesseraError {}

/** Any other invalid argument: a wrong attribute value, a Promise given to `tidy`, ... */
export class ArgumentError extends TesseraError {}

/** Formats a shape the way every error message shows it: `[2,3]`. */
export function formatShape(shape: readonly number[]): string {
  return `[${shape.join(',')}]`;
}
