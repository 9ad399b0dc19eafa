import type { Config, Layer, LayerShape } from '@tessera/layers';
import { deserializeLayer } from '@tessera/layers';
import { Input } from './keras-tensor.js';
import type { KerasTensor } from './keras-tensor.js';
export { ModelFormatError } from './model-config.js';
import { ModelFormatError } from './model-config.js';
import { Model } from './model.js';
import { Sequential } from './sequential.js';


function asRecord(where: string, value: unknown): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new ModelFormatError(`modelFromJSON: ${where} must be an object, got ${JSON.stringify(value)?.slice(0, 80)}`);
  return value as Record<string, unknown>;
}

/**
 * Rebuilds a Sequential or functional model from Keras's JSON config (a string or parsed object),
 * from Keras itself or `model.toJSON()`. Unknown keys are ignored; no code from the file runs.
 * Weights start fresh: load them with `setWeights`. `keras.models.model_from_json`.
 */
export function modelFromJSON(json: string | Record<string, unknown>): Model {
  let parsed: unknown = json;
  if (typeof json === 'string') {
    try {
      parsed = JSON.parse(json);
    } catch (e) {
      throw new ModelFormatError(`modelFromJSON: not valid JSON (${(e as Error).message})`);
    }
  }
  const root = asRecord('the model', parsed);
  const config = asRecord(`config of ${String(root.class_name)}`, root.config);
  const layerSpecs = config.layers;
  if (!Array.isArray(layerSpecs)) throw new ModelFormatError(`modelFromJSON: config.layers must be a list, got ${typeof layerSpecs}`);
  const name = typeof config.name === 'string' ? config.name : undefined;
  if (root.class_name === 'Sequential') {
    const model = new Sequential({ name });
    for (const spec of layerSpecs) {
      const layer = deserializeLayer(asRecord('a layer', spec) as never);
      model.add(layer);
    }
    const buildShape = (config.build_input_shape ?? (root.build_config as Config | undefined)?.input_shape) as LayerShape | undefined;
    if (buildShape && !model.built) model.build(buildShape);
    return model;
  }
  if (root.class_name !== 'Functional' && root.class_name !== 'Model') {
    throw new ModelFormatError(`modelFromJSON: expected class_name 'Sequential' or 'Functional', got ${JSON.stringify(root.class_name)}`);
  }
  const byName = new Map<string, { layer: Layer; nodes: unknown[] }>();
  const outputs = new Map<string, KerasTensor[][]>();
  const inputs = new Map<string, KerasTensor>();
  for (const spec of layerSpecs) {
    const s = asRecord('a layer', spec);
    const layerName = String(s.name ?? asRecord('layer config', s.config).name);
    if (s.class_name === 'InputLayer') {
      const c = asRecord(`InputLayer '${layerName}' config`, s.config);
      const t = Input({ batchShape: c.batch_shape as (number | null)[], name: layerName, dtype: c.dtype === 'int32' ? 'int32' : 'float32' });
      inputs.set(layerName, t);
      outputs.set(layerName, [[t]]);
      continue;
    }
    byName.set(layerName, { layer: deserializeLayer(s as never), nodes: Array.isArray(s.inbound_nodes) ? s.inbound_nodes : [] });
  }
  const resolve = (ref: unknown, where: string): KerasTensor => {
    if (Array.isArray(ref)) {
      const [layerName, node, index] = ref as [string, number, number];
      const t = outputs.get(layerName)?.[node]?.[index];
      if (!t) throw new ModelFormatError(`modelFromJSON: ${where} refers to ${layerName}[${node}][${index}], which does not exist (yet)`);
      return t;
    }
    const r = asRecord(where, ref);
    if (r.class_name === '__keras_tensor__') return resolve(asRecord(where, r.config).keras_history, where);
    throw new ModelFormatError(`modelFromJSON: ${where} is not a tensor reference: ${JSON.stringify(ref).slice(0, 80)}`);
  };
  const pending = [...byName.entries()].map(([layerName, v]) => ({ layerName, ...v, done: 0 }));
  // Layers are listed in creation order, but a shared layer's later calls can come after other layers: repeat until stuck.
  let progress = true;
  while (progress) {
    progress = false;
    for (const p of pending) {
      while (p.done < p.nodes.length) {
        const node = asRecord(`inbound node of '${p.layerName}'`, p.nodes[p.done]);
        const args = Array.isArray(node.args) ? node.args : [];
        let ins: KerasTensor | KerasTensor[];
        try {
          const first = args[0];
          ins = Array.isArray(first) && first.length > 0 && typeof first[0] === 'object' && !Array.isArray(first[0])
            ? first.map((r, i) => resolve(r, `'${p.layerName}' input ${i}`))
            : resolve(first, `'${p.layerName}' input`);
        } catch (e) {
          if (e instanceof ModelFormatError && /does not exist/.test(e.message)) break;
          throw e;
        }
        const kwargs = (node.kwargs ?? {}) as Record<string, unknown>;
        const out = p.layer.apply(ins as never, typeof kwargs.training === 'boolean' ? { training: kwargs.training } : {}) as unknown as KerasTensor | KerasTensor[];
        const list = outputs.get(p.layerName) ?? [];
        list.push(Array.isArray(out) ? out : [out]);
        outputs.set(p.layerName, list);
        p.done++;
        progress = true;
      }
    }
  }
  const stuck = pending.find((p) => p.done < p.nodes.length);
  if (stuck) throw new ModelFormatError(`modelFromJSON: could not connect layer '${stuck.layerName}': its inputs never become available`);
  const ins = (config.input_layers as unknown[]).map((r, i) => resolve(r, `input_layers[${i}]`));
  const outs = (config.output_layers as unknown[]).map((r, i) => resolve(r, `output_layers[${i}]`));
  return new Model({ name, inputs: ins.length === 1 ? ins[0] : ins, outputs: outs.length === 1 ? outs[0] : outs });
}

