import type { Graph, GraphNode, GraphValue } from '@tessera/core';
import { Tensor, Variable } from '@tessera/core';
import { formatDims } from './structure.js';

function valueType(value: GraphValue): string {
  return `${value.dtype}${formatDims(value.shape)}`;
}

function formatAttr(value: unknown): string {
  if (value instanceof Variable) return `variable '${value.name}'`;
  if (value instanceof Tensor) return value.toString();
  if (ArrayBuffer.isView(value)) {
    const items = Array.from(value as unknown as ArrayLike<number>);
    return items.length <= 8 ? `[${items.join(', ')}]` : `[${items.slice(0, 8).join(', ')}, … ${items.length} values]`;
  }
  if (isGraphLike(value)) return `graph(${value.nodes.length} nodes)`;
  return JSON.stringify(value) ?? String(value);
}

function isGraphLike(value: unknown): value is Graph {
  return typeof value === 'object' && value !== null && (value as Graph).values instanceof Map && Array.isArray((value as Graph).nodes);
}

function formatAttrs(node: GraphNode): string {
  const entries = Object.entries(node.attrs).filter(([, v]) => v !== undefined);
  return entries.length === 0 ? '' : ` {${entries.map(([k, v]) => `${k}: ${formatAttr(v)}`).join(', ')}}`;
}

/**
 * The graph as text, one node a line:
 * `%3: float32[?,4] = add(%1, %2)`; subgraphs of control flow are indented under their node.
 */
export function formatGraph(graph: Graph, indent = ''): string {
  const value = (id: number): GraphValue => graph.values.get(id)!;
  const lines: string[] = [];
  lines.push(`${indent}graph(${graph.inputs.map((id) => `%${id}: ${valueType(value(id))}`).join(', ')}) {`);
  for (const node of graph.nodes) {
    const lhs = node.outputs.length === 0 ? '' : `${node.outputs.map((id) => `%${id}: ${valueType(value(id))}`).join(', ')} = `;
    lines.push(`${indent}  ${lhs}${node.op}(${node.inputs.map((id) => `%${id}`).join(', ')})${formatAttrs(node)}`);
    if (node.program !== undefined) {
      const p = node.program;
      p.instructions.forEach((instruction, k) => {
        lines.push(`${indent}    r${p.numInputs + k} = ${instruction.op}(${instruction.args.map((r) => `r${r}`).join(', ')}): ${instruction.dtype}`);
      });
      lines.push(`${indent}    -> ${p.outputs.map((r) => `r${r}`).join(', ')}`);
    }
    for (const [name, attr] of Object.entries(node.attrs)) {
      if (isGraphLike(attr)) {
        lines.push(`${indent}    ${name}:`);
        lines.push(formatGraph(attr, `${indent}    `));
      }
    }
  }
  lines.push(`${indent}  return ${graph.outputs.map((id) => `%${id}`).join(', ')}`);
  lines.push(`${indent}}`);
  return lines.join('\n');
}

function dotEscape(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/"/g, '\\"');
}

/** The graph in Graphviz DOT: a box per node, an edge per value labelled with its type. */
export function graphToDot(graph: Graph, name = 'graph'): string {
  const lines = [`digraph "${dotEscape(name)}" {`, '  rankdir=TB;', '  node [shape=box, fontname="monospace"];'];
  const producer = new Map<number, string>();
  graph.inputs.forEach((id, i) => {
    const nodeName = `input${i}`;
    lines.push(`  ${nodeName} [label="input ${i}\\n${dotEscape(valueType(graph.values.get(id)!))}", shape=ellipse];`);
    producer.set(id, nodeName);
  });
  for (const node of graph.nodes) {
    const nodeName = `n${node.id}`;
    const style = node.kind === 'effect' ? ', style=dashed' : node.op === 'fused' ? ', style=bold' : '';
    lines.push(`  ${nodeName} [label="${dotEscape(node.op)}"${style}];`);
    for (const id of node.inputs) {
      const from = producer.get(id);
      if (from !== undefined) lines.push(`  ${from} -> ${nodeName} [label="${dotEscape(valueType(graph.values.get(id)!))}"];`);
    }
    for (const id of node.outputs) producer.set(id, nodeName);
  }
  graph.outputs.forEach((id, i) => {
    lines.push(`  output${i} [label="output ${i}", shape=ellipse];`);
    const from = producer.get(id);
    if (from !== undefined) lines.push(`  ${from} -> output${i} [label="${dotEscape(valueType(graph.values.get(id)!))}"];`);
  });
  lines.push('}');
  return lines.join('\n');
}
