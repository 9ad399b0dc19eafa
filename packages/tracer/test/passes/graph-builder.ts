import type { DType, FusedProgram, Graph, GraphNode, GraphValue, TypedArray } from '@tessera/core';
import { getPrimitive } from '@tessera/core';

type Dims = readonly (number | null)[];

/**
 * Builds small graphs by hand for the pass tests: inputs, primitives (shapes inferred with the
 * primitive's own inference), constants, variable reads/writes and raw nodes.
 */
export class GraphBuilder {
  private readonly values = new Map<number, GraphValue>();
  private readonly nodes: GraphNode[] = [];
  private readonly inputs: number[] = [];
  private nextValue = 0;
  private nextNode = 0;

  newValue(shape: Dims, dtype: DType): number {
    const id = this.nextValue++;
    this.values.set(id, { id, shape: [...shape], dtype });
    return id;
  }

  info(id: number): GraphValue {
    return this.values.get(id)!;
  }

  input(shape: Dims, dtype: DType = 'float32'): number {
    const id = this.newValue(shape, dtype);
    this.inputs.push(id);
    return id;
  }

  /** A primitive with one output; the output's shape comes from the primitive's inference unless given. */
  op(op: string, inputs: readonly number[], attrs: Record<string, unknown> = {}, out?: { shape: Dims; dtype: DType }): number {
    return this.opN(op, inputs, attrs, out === undefined ? undefined : [out])[0];
  }

  opN(op: string, inputs: readonly number[], attrs: Record<string, unknown> = {}, outs?: readonly { shape: Dims; dtype: DType }[]): number[] {
    const primitive = getPrimitive(op);
    if (primitive === undefined) throw new Error(`GraphBuilder: no primitive '${op}'`);
    const infos =
      outs ??
      primitive.infer(
        inputs.map((id) => ({ shape: this.info(id).shape.map((d) => d ?? 7), dtype: this.info(id).dtype })),
        attrs,
      );
    const outputs = infos.map((info) => this.newValue(info.shape, info.dtype));
    this.nodes.push({ id: this.nextNode++, op, kind: primitive.kind, inputs: [...inputs], outputs, attrs });
    return outputs;
  }

  constant(values: ArrayLike<number>, shape: readonly number[] = [], dtype: DType = 'float32'): number {
    const data: TypedArray = dtype === 'float32' ? Float32Array.from(values) : dtype === 'int32' ? Int32Array.from(values) : Uint8Array.from(values);
    const out = this.newValue(shape, dtype);
    this.nodes.push({ id: this.nextNode++, op: 'constant', kind: 'creation', inputs: [], outputs: [out], attrs: { value: data } });
    return out;
  }

  read(variable: object, shape: Dims, dtype: DType = 'float32'): number {
    const out = this.newValue(shape, dtype);
    this.nodes.push({ id: this.nextNode++, op: 'readVariable', kind: 'effect', inputs: [], outputs: [out], attrs: { variable } });
    return out;
  }

  assign(variable: object, value: number): void {
    this.nodes.push({ id: this.nextNode++, op: 'assignVariable', kind: 'effect', inputs: [value], outputs: [], attrs: { variable } });
  }

  fused(inputs: readonly number[], program: FusedProgram, outs: readonly { shape: Dims; dtype: DType }[]): number[] {
    const outputs = outs.map((o) => this.newValue(o.shape, o.dtype));
    this.nodes.push({ id: this.nextNode++, op: 'fused', kind: 'region', inputs: [...inputs], outputs, attrs: {}, program });
    return outputs;
  }

  raw(node: Omit<GraphNode, 'id' | 'outputs'>, outs: readonly { shape: Dims; dtype: DType }[]): number[] {
    const outputs = outs.map((o) => this.newValue(o.shape, o.dtype));
    this.nodes.push({ ...node, id: this.nextNode++, outputs });
    return outputs;
  }

  build(outputs: readonly number[]): Graph {
    return { values: new Map(this.values), nodes: [...this.nodes], inputs: [...this.inputs], outputs: [...outputs] };
  }
}

/** A readable one-line-per-node rendering, for asserting the exact structure a pass produced. */
export function describeGraph(graph: Graph): string[] {
  const lines = graph.nodes.map((node) => {
    const outs = node.outputs.map((id) => `%${id}`).join(', ');
    const ins = node.inputs.map((id) => `%${id}`).join(', ');
    const program = node.program ?? (node.attrs.epilogue as FusedProgram | undefined) ?? (node.attrs.prologue as FusedProgram | undefined);
    const body = program === undefined ? '' : ` {${describeProgram(program)}}`;
    return `${outs.length > 0 ? `${outs} = ` : ''}${node.op}(${ins})${body}`;
  });
  lines.push(`return ${graph.outputs.map((id) => `%${id}`).join(', ')}`);
  return lines;
}

export function describeProgram(program: FusedProgram): string {
  const lines = program.instructions.map((ins, i) => `r${program.numInputs + i}=${ins.op}(${ins.args.map((a) => `r${a}`).join(',')})`);
  return `${lines.join('; ')} -> ${program.outputs.map((r) => `r${r}`).join(',')}`;
}
