import { ArgumentError } from '@tessera/core';
import type { Layer, LayerShape } from '@tessera/layers';
import { InputLayer } from '@tessera/layers';
import type { Model } from './model.js';
import type { KerasTensor } from './keras-tensor.js';

/** Python's round(): halves go to the even neighbour (the table layout below depends on it). */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * Column content widths as Keras lays them out: positions of the line length, then each column
 * shrunk evenly until padding and borders fit (the rule of the `rich` tables Keras prints).
 */
function columnWidths(lineLength: number, positions: number[]): number[] {
  const widths: number[] = [];
  let current = 0;
  for (const p of positions) {
    const w = Math.floor(p * lineLength) - current;
    if (w < 4) throw new ArgumentError(`summary: lineLength ${lineLength} is too narrow to print the summary`);
    widths.push(w);
    current += w;
  }
  let excess = widths.reduce((a, b) => a + b, 0) + 2 * widths.length + widths.length + 1 - lineLength;
  if (excess <= 0) return widths;
  let ratioLeft = widths.length;
  return widths.map((w) => {
    const cut = Math.min(w, roundHalfEven(excess / ratioLeft));
    excess -= cut;
    ratioLeft -= 1;
    return w - cut;
  });
}

function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    const candidate = line === '' ? word : `${line} ${word}`;
    if (candidate.length <= width) {
      line = candidate;
      continue;
    }
    if (line !== '') lines.push(line);
    let rest = word;
    while (rest.length > width) {
      lines.push(rest.slice(0, width));
      rest = rest.slice(width);
    }
    line = rest;
  }
  lines.push(line);
  return lines;
}

function formatShape(shape: LayerShape | readonly LayerShape[] | undefined): string {
  if (shape === undefined) return '?';
  const one = (s: LayerShape) => `(${s.map((d) => (d === null ? 'None' : String(d))).join(', ')}${s.length === 1 ? ',' : ''})`;
  if (shape.length > 0 && Array.isArray(shape[0])) return `[${(shape as LayerShape[]).map(one).join(', ')}]`;
  return one(shape as LayerShape);
}

function formatBytes(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let i = 0;
  let v = bytes;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(2)} ${units[i]}`;
}

const params = (n: number) => n.toLocaleString('en-US');

interface Row {
  cells: string[];
}

/** The summary table for a built model, laid out like Keras 3's `model.summary()`. */
export function formatSummary(model: Model, lineLength?: number): string {
  if (!model.built || (model.weights.length === 0 && model.layers.some((l) => !l.built))) {
    throw new ArgumentError(
      `${model.name}.summary: the model has not been built yet; give it an input shape (Input() or inputShape on the first layer), call build(), or call it on data first`,
    );
  }
  const functional = model.inputs !== undefined && model.className === 'Functional';
  const terminal = typeof process !== 'undefined' && process.stdout?.columns ? process.stdout.columns : 80;
  const length = lineLength ?? Math.min(functional ? 108 : 88, terminal - 4);
  const positions = functional ? [0.3, 0.56, 0.74, 1.0] : [0.45, 0.8, 1.0];
  const header = functional ? ['Layer (type)', 'Output Shape', 'Param #', 'Connected to'] : ['Layer (type)', 'Output Shape', 'Param #'];
  const rightAligned = header.map((h) => h === 'Param #');
  const widths = columnWidths(length, positions);

  const rows: Row[] = [];
  const calls = (model as unknown as { graph?: { calls: { layer: Layer; inputList: readonly KerasTensor[]; outputs: KerasTensor[] }[]; inputs: readonly KerasTensor[] } }).graph;
  const layers = model.layers.filter((l) => functional || !(l instanceof InputLayer));
  for (const layer of layers) {
    const name = `${layer.name} (${layer.className})`;
    const count = layer.built ? params(layer.countParams()) : '0 (unbuilt)';
    if (!functional) {
      rows.push({ cells: [name, formatShape(outputShapeOf(model, layer)), count] });
      continue;
    }
    const ownCalls = calls!.calls.filter((c) => c.layer === layer);
    const inputCall = calls!.inputs.find((t) => t.producer.layer === layer);
    const shape = inputCall ? inputCall.shape : ownCalls[0]?.outputs.length === 1 ? ownCalls[0].outputs[0].shape : ownCalls[0]?.outputs.map((o) => o.shape);
    const sources = ownCalls.flatMap((c) => c.inputList.map((t) => {
      const producerCalls = calls!.calls.filter((p) => p.layer === t.producer.layer);
      const nodeIndex = Math.max(0, producerCalls.indexOf(t.producer as never));
      return `${t.producer.layer.name}[${nodeIndex}][${t.outputIndex}]`;
    }));
    rows.push({ cells: [name, formatShape(shape as LayerShape), count, sources.length ? sources.join(', ') : '-'] });
  }

  const border = (left: string, fill: string, mid: string, right: string) => left + widths.map((w) => fill.repeat(w + 2)).join(mid) + right;
  const renderRow = (cells: string[], sep: string) => {
    const wrapped = cells.map((c, i) => wrap(c, widths[i]));
    const height = Math.max(...wrapped.map((w) => w.length));
    const out: string[] = [];
    for (let r = 0; r < height; r++) {
      const parts = wrapped.map((w, i) => {
        const text = w[r] ?? '';
        return ' ' + (rightAligned[i] ? text.padStart(widths[i]) : text.padEnd(widths[i])) + ' ';
      });
      out.push(sep + parts.join(sep) + sep);
    }
    return out;
  };
  const lines: string[] = [`Model: "${model.name}"`];
  lines.push(border('┏', '━', '┳', '┓'));
  lines.push(...renderRow(header, '┃'));
  lines.push(border('┡', '━', '╇', '┩'));
  rows.forEach((row, i) => {
    if (i > 0) lines.push(border('├', '─', '┼', '┤'));
    lines.push(...renderRow(row.cells, '│'));
  });
  lines.push(border('└', '─', '┴', '┘'));
  const bytes = (ws: { size: number }[]) => ws.reduce((n, w) => n + w.size * 4, 0);
  const size = (ws: { size: number }[]) => ws.reduce((n, w) => n + w.size, 0);
  const trainable = model.trainableWeights;
  const nonTrainable = model.nonTrainableWeights;
  const all = model.weights;
  lines.push(` Total params: ${params(size(all))} (${formatBytes(bytes(all))})`);
  lines.push(` Trainable params: ${params(size(trainable))} (${formatBytes(bytes(trainable))})`);
  lines.push(` Non-trainable params: ${params(size(nonTrainable))} (${formatBytes(bytes(nonTrainable))})`);
  return lines.join('\n');
}

/** A Sequential layer's output shape, from the shapes recorded when the model was built. */
function outputShapeOf(model: Model, layer: Layer): LayerShape | readonly LayerShape[] | undefined {
  const shapes = (model as unknown as { layerOutputShapes?: Map<Layer, LayerShape> }).layerOutputShapes;
  return shapes?.get(layer);
}
