import type { DType } from '../../dtype.js';
import type { Tensor } from '../../tensor.js';

/**
 * One input of a conformance case: explicit values, or `shape` filled with deterministic
 * pseudo-random values drawn uniformly from `range` (integers for int32, 0/1 for bool).
 */
export interface InputSpec {
  readonly shape: readonly number[];
  readonly dtype?: DType;
  /** Explicit flat values (NaN and ±Infinity allowed); length must match the shape. */
  readonly values?: readonly number[];
  /** For generated values: [low, high). Default [-2, 2) for floats, [-10, 10) for int32. */
  readonly range?: readonly [number, number];
  /** Seed for generated values, so each case is reproducible. */
  readonly seed?: number;
}

/**
 * A row of the conformance table: an op applied to inputs, compared between the backend under test
 * and the reference implementation, with a leak check around it.
 */
export interface ConformanceCase {
  /** Unique, readable: `add: broadcast [2,3] + [3]`. */
  readonly name: string;
  /** The op or composite this case covers (for the coverage report). */
  readonly op: string;
  readonly inputs: readonly InputSpec[];
  /** Calls the public op function under test; the result may be one tensor or several. */
  readonly run: (...inputs: Tensor[]) => Tensor | readonly Tensor[];
  /**
   * Hand-written expected values per output (flat), checked on the reference too. Optional:
   * without it the reference's output is the expectation.
   */
  readonly expected?: readonly (readonly number[])[];
  /** Max |actual - expected| allowed, plus the same amount relative to |expected|. Default 1e-5. */
  readonly tolerance?: number;
  /**
   * Check gradients: with respect to these input indices (float inputs), the reference's analytic
   * gradient against central finite differences, and the backend's against the reference's.
   */
  readonly gradWrt?: readonly number[];
  /** Tolerance of the finite-difference check (default 2e-2, relative and absolute). */
  readonly gradTolerance?: number;
  /** Finite-difference step (default 1e-2); keep inputs farther than this from kinks. */
  readonly gradStep?: number;
}
