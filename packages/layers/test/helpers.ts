import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type Tensor, getBackend, setBackend, tensor } from '@tessera/core';
import { registerReferenceBackend } from '@tessera/core/testing';
import type { Config } from '../src/index.js';

/**
 * The backend the fixture suites run on: `TESSERA_TEST_BACKEND` (`reference` when unset, `wasm`,
 * `webgpu`). A real backend's package registers it when imported.
 */
export const TEST_BACKEND = process.env.TESSERA_TEST_BACKEND ?? 'reference';
const BACKEND_PACKAGES: Record<string, string> = { wasm: '@tessera/backend-cpu-wasm', webgpu: '@tessera/backend-webgpu' };

/** Registers and selects a backend (`reference`, `wasm`, `webgpu`); for a `beforeAll`. */
export async function useBackend(name: string): Promise<void> {
  if (name === 'reference') registerReferenceBackend();
  else await import(/* @vite-ignore */ BACKEND_PACKAGES[name] ?? name);
  await setBackend(name);
  if (getBackend() !== name) throw new Error(`the fixture suites were asked for backend '${name}' but run on '${getBackend()}'`);
}

export interface EncodedArray {
  shape: number[];
  dtype: 'float32' | 'int32' | 'bool';
  values: (number | boolean)[];
}

export interface FixtureCase {
  name: string;
  class_name: string;
  config: Config;
  inputs?: EncodedArray[];
  input_is_list?: boolean;
  weights?: EncodedArray[];
  weight_names?: string[];
  trainable_weight_count?: number;
  kwargs?: { training?: boolean; return_attention_scores?: boolean; use_causal_mask?: boolean };
  outputs?: EncodedArray[];
  output_is_list?: boolean;
  check: 'values' | 'config_only' | 'dropout' | 'spatial_dropout1d' | 'spatial_dropout2d' | 'gaussian_noise';
  mask?: EncodedArray | (EncodedArray | null)[];
  attention_mask?: EncodedArray;
  output_mask?: EncodedArray | null;
  weights_after?: EncodedArray[];
}

export interface Fixtures {
  keras_version: string;
  backend: string;
  cases: FixtureCase[];
  components: {
    initializers: Record<string, Config>;
    regularizers: Record<string, { serialized: Config; input: EncodedArray; output: number }>;
    constraints: Record<string, { serialized: Config; input: EncodedArray; output: EncodedArray }>;
  };
}

/** The golden fixtures written by fixtures/generate.py from real Keras 3. */
export const fixtures: Fixtures = JSON.parse(readFileSync(fileURLToPath(new URL('../fixtures/layers.json', import.meta.url)), 'utf8'));

export function decode(a: EncodedArray): Tensor {
  return tensor(a.values as number[], a.shape, a.dtype);
}

/**
 * Asserts `actual` equals the fixture array within `tol` (absolute plus relative). Reads with
 * `await data()`, the one read every backend has (WebGPU has no `dataSync`).
 */
export async function expectArrayClose(actual: Tensor, expected: EncodedArray, tol: number, what: string): Promise<void> {
  if (actual.shape.join(',') !== expected.shape.join(',')) {
    throw new Error(`${what}: shape [${actual.shape}] differs from Keras's [${expected.shape}]`);
  }
  const got = Array.from((await actual.data()) as ArrayLike<number | boolean>, Number);
  const want = expected.values.map(Number);
  let worst = 0;
  let worstAt = -1;
  got.forEach((v, i) => {
    const err = Math.abs(v - want[i]) / (1 + Math.abs(want[i]));
    if (!(err <= worst)) {
      worst = err;
      worstAt = i;
    }
  });
  if (!(worst <= tol)) {
    throw new Error(`${what}: element ${worstAt} is ${got[worstAt]}, Keras has ${want[worstAt]} (relative error ${worst.toExponential(2)} > ${tol})`);
  }
}

/** A case of fixtures/extra.json (fixtures/generate_extra.py, real Keras 3). */
export interface ExtraCase {
  name: string;
  class_name: string;
  config: Config;
  inputs: { shape: number[]; values: number[] }[];
  is_list: boolean;
  weights: { shape: number[]; values: number[] }[];
  kw: { mask?: { shape: number[]; values: number[] } | boolean[][][]; use_causal_mask?: boolean };
  outputs: { shape: number[]; values: number[] }[];
}

export const extraCases: ExtraCase[] = JSON.parse(readFileSync(fileURLToPath(new URL('../fixtures/extra.json', import.meta.url)), 'utf8'));

/** An extra case's mask as a tensor (Keras wrote one array, or a list of nested boolean lists). */
export function extraMask(c: ExtraCase): Tensor | Tensor[] | undefined {
  const mask = c.kw.mask;
  if (mask === undefined) return undefined;
  return Array.isArray(mask) ? mask.map((m) => tensor(m, undefined, 'bool')) : tensor(mask.values, mask.shape, 'bool');
}
