import type { DType, FusedProgram, Graph, GraphNode, GraphValue, OpKind } from '@tessera/core';

/** A dimension as the tracer records it: concrete, or `null` when it is symbolic. */
export type Dim = number | null;

/**
 * Records nodes and values while a function is traced, then freezes them into core's `Graph`.
 * Value and node ids are dense and increase in recording order, so the node list is topological.
 */
export class GraphBuilder {
  private readonly values = new Map<number, GraphValue>();
  private readonly nodes: GraphNode[] = [];
  private readonly inputs: number[] = [];
  private nextValueId = 0;
  private nextNodeId = 0;

  addInput(shape: readonly Dim[], dtype: DType): number {
    const id = this.addValue(shape, dtype);
    this.inputs.push(id);
    return id;
  }

  /** A value that is an input of the built graph only when `build` is given an input order naming it. */
  addDetachedValue(shape: readonly Dim[], dtype: DType): number {
    return this.addValue(shape, dtype);
  }

  /** Appends a node and returns its output value ids. */
  addNode(
    op: string,
    kind: OpKind | 'effect' | 'region',
    inputs: readonly number[],
    outputs: readonly { shape: readonly Dim[]; dtype: DType }[],
    attrs: Record<string, unknown>,
    program?: FusedProgram,
  ): number[] {
    const outputIds = outputs.map((o) => this.addValue(o.shape, o.dtype));
    const node: GraphNode = { id: this.nextNodeId++, op, kind, inputs: [...inputs], outputs: outputIds, attrs, ...(program ? { program } : {}) };
    this.nodes.push(node);
    return outputIds;
  }

  value(id: number): GraphValue {
    const value = this.values.get(id);
    if (value === undefined) throw new Error(`trace: unknown graph value %${id}`);
    return value;
  }

  /** Replaces the recorded shape of every value (after the symbolic dims were worked out). */
  reshapeValues(shapeOf: (value: GraphValue) => readonly Dim[]): void {
    for (const [id, value] of this.values) this.values.set(id, { ...value, shape: Object.freeze([...shapeOf(value)]) });
  }

  get inputIds(): readonly number[] {
    return this.inputs;
  }

  get recordedNodes(): readonly GraphNode[] {
    return this.nodes;
  }

  /** Freezes the graph; `inputs` overrides the input order (a subgraph lined up with its siblings). */
  build(outputs: readonly number[], inputs: readonly number[] = this.inputs): Graph {
    return Object.freeze({
      values: new Map(this.values),
      nodes: Object.freeze([...this.nodes]),
      inputs: Object.freeze([...inputs]),
      outputs: Object.freeze([...outputs]),
    });
  }

  private addValue(shape: readonly Dim[], dtype: DType): number {
    const id = this.nextValueId++;
    this.values.set(id, { id, shape: Object.freeze([...shape]), dtype });
    return id;
  }
}
