import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { InputSet } from './workloads.js';

/** Inputs travel to the children as raw little-endian float32 files plus a manifest of shapes. */
export function writeInputs(dir: string, inputs: InputSet): void {
  mkdirSync(dir, { recursive: true });
  const manifest: Record<string, number[]> = {};
  for (const [name, { shape, data }] of Object.entries(inputs)) {
    manifest[name] = shape;
    writeFileSync(join(dir, `${name}.f32`), new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  }
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest));
}

export function readInputs(dir: string): InputSet {
  const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Record<string, number[]>;
  const inputs: InputSet = {};
  for (const [name, shape] of Object.entries(manifest)) {
    const bytes = readFileSync(join(dir, `${name}.f32`));
    const data = new Float32Array(bytes.byteLength / 4);
    new Uint8Array(data.buffer).set(bytes);
    inputs[name] = { shape, data };
  }
  return inputs;
}

export function writeFloats(path: string, data: Float32Array): void {
  writeFileSync(path, new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
}

export function readFloats(path: string): Float32Array {
  const bytes = readFileSync(path);
  const data = new Float32Array(bytes.byteLength / 4);
  new Uint8Array(data.buffer).set(bytes);
  return data;
}
