import type { DType } from './dtype.js';
import type { OpKind } from './ops/op.js';
import type { Shape } from './shape.js';

/**
 * The graph IR's types. They live in core because backends compile graphs and must not import the
 * tracer; the tracer builds, checks and optimizes graphs (DESIGN.md, "Graphs").
 */

/** An SSA value. A `null` dimension is symbolic (the batch dimension after a retrace). */
export interface GraphValue {
  readonly id: number;
  readonly shape: readonly (number | null)[];
  readonly dtype: DType;
}

export interface GraphNode {
  readonly id: number;
  /** A primitive's name, or one of the graph-only ops (`fused`, `readVariable`, `assignVariable`, `constant`, `cond`, `while`). */
  readonly op: string;
  readonly kind: OpKind | 'effect' | 'region';
  readonly inputs: readonly number[];
  readonly outputs: readonly number[];
  readonly attrs: Readonly<Record<string, unknown>>;
  /** For a fused elementwise region: the expression program the backend executes its own way. */
  readonly program?: FusedProgram;
}

/** One instruction of a fused region: apply an elementwise primitive to earlier registers. */
export interface FusedInstruction {
  readonly op: string;
  readonly args: readonly number[];
  readonly attrs: Readonly<Record<string, unknown>>;
  readonly dtype: DType;
}

/**
 * A fused elementwise region's program over registers: the first `numInputs` registers are the
 * region's inputs (broadcast to the region's shape); each instruction appends one register.
 */
export interface FusedProgram {
  readonly numInputs: number;
  readonly instructions: readonly FusedInstruction[];
  readonly outputs: readonly number[];
}

export interface Graph {
  readonly values: ReadonlyMap<number, GraphValue>;
  /** Topologically ordered. */
  readonly nodes: readonly GraphNode[];
  readonly inputs: readonly number[];
  readonly outputs: readonly number[];
}

export type { Shape };
