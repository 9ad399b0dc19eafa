import type { DType, Shape } from '@tessera/core';
import { Tensor, Variable } from '@tessera/core';
import type { Dim } from './graph-builder.js';

/** A tensor argument as a signature sees it: where it sits in the argument tree, its shape and dtype. */
export interface TensorLeaf {
  readonly path: string;
  readonly shape: Shape;
  readonly dtype: DType;
}

/**
 * An argument list taken apart: the tensors (in tree order), and a key for everything else
 * (the tree's structure, each tensor's dtype and rank, static JS values by value, variables and
 * other objects by identity).
 */
export interface Flattened {
  readonly tensors: Tensor[];
  readonly leaves: TensorLeaf[];
  /** Static leaves by path, for naming what changed between two traces. */
  readonly statics: Map<string, string>;
  readonly structureKey: string;
}

const identities = new WeakMap<object, number>();
let nextIdentity = 0;

function identityOf(value: object): number {
  let id = identities.get(value);
  if (id === undefined) {
    id = nextIdentity++;
    identities.set(value, id);
  }
  return id;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype;
}

/** Takes an argument list apart into tensors and a structure key. */
export function flatten(args: readonly unknown[]): Flattened {
  const tensors: Tensor[] = [];
  const leaves: TensorLeaf[] = [];
  const statics = new Map<string, string>();
  const visit = (value: unknown, path: string): string => {
    if (value instanceof Variable) {
      const token = `V${identityOf(value)}`;
      statics.set(path, `variable '${value.name}'`);
      return token;
    }
    if (value instanceof Tensor) {
      tensors.push(value);
      leaves.push({ path, shape: value.shape, dtype: value.dtype });
      return `T${value.dtype}/${value.rank}`;
    }
    if (Array.isArray(value)) return `[${value.map((v, i) => visit(v, `${path}[${i}]`)).join(',')}]`;
    if (isPlainObject(value)) {
      const keys = Object.keys(value).sort();
      return `{${keys.map((k) => `${JSON.stringify(k)}:${visit(value[k], `${path}.${k}`)}`).join(',')}}`;
    }
    let token: string;
    if (value === undefined) token = 'undefined';
    else if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'string' || value === null) {
      token = `S${typeof value}:${Object.is(value, -0) ? '-0' : String(value)}`;
    } else if (typeof value === 'bigint') token = `Sbigint:${value}`;
    else token = `O${identityOf(value as object)}`;
    statics.set(path, typeof value === 'function' ? 'a function' : typeof value === 'object' ? 'an object' : JSON.stringify(value) ?? String(value));
    return token;
  };
  const structureKey = args.map((a, i) => visit(a, `args[${i}]`)).join(';');
  return { tensors, leaves, statics, structureKey };
}

/** Rebuilds a tree, replacing its tensors (not variables) in order with `replacements`. */
export function substitute(value: unknown, replacements: readonly Tensor[]): unknown {
  let next = 0;
  const visit = (v: unknown): unknown => {
    if (v instanceof Variable) return v;
    if (v instanceof Tensor) return replacements[next++];
    if (Array.isArray(v)) return v.map(visit);
    if (isPlainObject(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, visit(x)]));
    return v;
  };
  return visit(value);
}

/** The tensors (variables included) of a returned tree, in order. */
export function tensorsIn(value: unknown): Tensor[] {
  const found: Tensor[] = [];
  const visit = (v: unknown): void => {
    if (v instanceof Tensor) found.push(v);
    else if (Array.isArray(v)) v.forEach(visit);
    else if (isPlainObject(v)) Object.values(v).forEach(visit);
  };
  visit(value);
  return found;
}

/** Rebuilds a returned tree with every tensor (variables included) replaced in order. */
export function replaceTensors(value: unknown, replacements: readonly Tensor[]): unknown {
  let next = 0;
  const visit = (v: unknown): unknown => {
    if (v instanceof Tensor) return replacements[next++];
    if (Array.isArray(v)) return v.map(visit);
    if (isPlainObject(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, visit(x)]));
    return v;
  };
  return visit(value);
}

/** True when a call's shape fits a traced input's shape (equal, or any size where the trace is symbolic). */
export function shapeFits(spec: readonly Dim[], shape: Shape): boolean {
  return spec.length === shape.length && spec.every((d, i) => d === null || d === shape[i]);
}

export function formatDims(shape: readonly Dim[]): string {
  return `[${shape.map((d) => d ?? '?').join(',')}]`;
}

/** Marks where a returned tree had a tensor. */
const OUTPUT_SLOT: unique symbol = Symbol('output');

/** A returned tree with its tensors taken out, to be filled with each call's results. */
export function makeTemplate(value: unknown): unknown {
  const visit = (v: unknown): unknown => {
    if (v instanceof Tensor) return OUTPUT_SLOT;
    if (Array.isArray(v)) return v.map(visit);
    if (isPlainObject(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, visit(x)]));
    return v;
  };
  return visit(value);
}

/** Puts `values` (the call's tensors, or anything standing for them) in a template's slots, in order. */
export function fillTemplate(template: unknown, tensors: readonly unknown[]): unknown {
  let next = 0;
  const visit = (v: unknown): unknown => {
    if (v === OUTPUT_SLOT) return tensors[next++];
    if (Array.isArray(v)) return v.map(visit);
    if (isPlainObject(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, visit(x)]));
    return v;
  };
  return visit(template);
}
