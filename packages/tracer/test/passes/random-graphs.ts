import type { Graph, TypedArray } from '@tessera/core';
import { GraphBuilder } from './graph-builder.js';

/** A small deterministic PRNG (xorshift32), so every generated graph is reproducible from its seed. */
export class Random {
  private state: number;

  constructor(seed: number) {
    this.state = (seed * 2654435761) >>> 0 || 1;
  }

  next(): number {
    let s = this.state;
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    this.state = s >>> 0;
    return this.state / 4294967296;
  }

  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }

  chance(p: number): boolean {
    return this.next() < p;
  }
}

export interface RandomProgram {
  readonly graph: Graph;
  readonly variables: Map<unknown, TypedArray>;
}

const UNARY = ['exp', 'neg', 'abs', 'tanh', 'sigmoid', 'relu', 'square', 'sin', 'cos', 'sqrt', 'floor', 'erf'];
const BINARY = ['add', 'sub', 'mul', 'div', 'maximum', 'minimum'];

/**
 * A random program of 4–18 steps over float32 values of one base shape and shapes broadcastable
 * into it: elementwise chains, broadcasts, reductions, matMuls, transposes and reshapes, casts,
 * comparisons with `where`, constants (some all-0 or all-1, some constant-only subexpressions),
 * deliberate duplicates, identities, `random` ops, and a variable read then assigned. Made to give
 * each pass something to do.
 */
export function randomProgram(seed: number): RandomProgram {
  const rng = new Random(seed);
  const b = new GraphBuilder();
  const rows = 1 + rng.int(3);
  const cols = 1 + rng.int(4);
  const base = [rows, cols];
  const shapes = [base, [cols], [1, cols], [rows, 1], []];
  const pool: number[] = [];
  const numInputs = 1 + rng.int(3);
  for (let i = 0; i < numInputs; i++) pool.push(b.input(i === 0 ? base : rng.pick(shapes)));
  const variable = { name: `v${seed}` };
  const useVariable = rng.chance(0.3);
  if (useVariable) pool.push(b.read(variable, base));
  const shapeOf = (id: number) => b.info(id).shape as number[];
  const floats = () => pool.filter((id) => b.info(id).dtype === 'float32');
  const broadcastable = (x: number, y: number): boolean => {
    const sx = shapeOf(x);
    const sy = shapeOf(y);
    for (let i = 1; i <= Math.max(sx.length, sy.length); i++) {
      const a = sx[sx.length - i] ?? 1;
      const c = sy[sy.length - i] ?? 1;
      if (a !== c && a !== 1 && c !== 1) return false;
    }
    return true;
  };
  const constantLike = (id?: number): number => {
    const shape = id === undefined ? rng.pick(shapes) : rng.chance(0.5) ? [] : shapeOf(id);
    const size = shape.reduce((p, d) => p * d, 1);
    const kind = rng.int(3);
    const values = Array.from({ length: size }, () => (kind === 0 ? 0 : kind === 1 ? 1 : Math.round((rng.next() * 4 - 2) * 8) / 8));
    return b.constant(values, shape);
  };
  const binaries: [string, number[]][] = [];
  const steps = 4 + rng.int(15);
  for (let step = 0; step < steps; step++) {
    const x = rng.pick(floats());
    const choice = rng.int(19);
    let made: number | undefined;
    switch (choice) {
      case 0:
      case 1:
      case 2:
        made = b.op(rng.pick(UNARY), [x]);
        break;
      case 3:
      case 4:
      case 5: {
        const partners = floats().filter((y) => broadcastable(x, y));
        const op = rng.pick(BINARY);
        const operands = rng.chance(0.5) ? [x, rng.pick(partners)] : [rng.pick(partners), x];
        made = b.op(op, operands);
        binaries.push([op, operands]);
        break;
      }
      case 6: // an identity the simplifier should remove
        made = rng.chance(0.5) ? b.op(rng.pick(['mul', 'div']), [x, b.constant([1])]) : b.op(rng.pick(['add', 'sub']), [x, b.constant([0])]);
        break;
      case 7: {
        const c = constantLike(x);
        made = b.op(rng.pick(BINARY), rng.chance(0.5) ? [x, c] : [c, x]);
        break;
      }
      case 8: {
        // A constant-only subexpression for the folder.
        const c = constantLike();
        made = b.op(rng.pick(UNARY), [b.op(rng.pick(BINARY), [c, constantLike(c)])]);
        break;
      }
      case 16:
      case 9: {
        const axis = rng.int(Math.max(shapeOf(x).length, 1));
        if (shapeOf(x).length === 0) break;
        made = b.op(rng.pick(['sum', 'max']), [x], { axes: [axis], keepDims: rng.chance(0.7) });
        break;
      }
      case 17:
      case 18:
      case 10: {
        const s = shapeOf(x);
        if (s.length !== 2) break;
        const other = rng.chance(0.5) ? x : b.input([s[1], 1 + rng.int(3)]);
        made = other === x ? b.op('matMul', [x, x], { transposeA: false, transposeB: true }) : b.op('matMul', [x, other], { transposeA: false, transposeB: false });
        // Often a bias and an activation right after, as a dense layer has.
        if (rng.chance(0.5)) made = b.op(rng.pick(['relu', 'tanh', 'sigmoid']), [b.op('add', [made, b.input([shapeOf(made)[1]])])]);
        if (!broadcastable(made, pool[0])) {
          made = b.op('sum', [made], { axes: [1], keepDims: true });
          if (!broadcastable(made, pool[0])) made = undefined;
        }
        break;
      }
      case 11: {
        const s = shapeOf(x);
        if (s.length !== 2) break;
        const t = b.op('transpose', [x], { perm: [1, 0] });
        made = rng.chance(0.6) ? b.op('transpose', [rng.chance(0.5) ? t : b.op('neg', [t])], { perm: [1, 0] }) : undefined;
        break;
      }
      case 12: {
        const s = shapeOf(x);
        const size = s.reduce((p, d) => p * d, 1);
        if (rng.chance(0.7)) made = b.op('reshape', [b.op('reshape', [x], { shape: [size] })], { shape: s });
        else if (broadcastable(x, pool[0])) made = b.op('broadcastTo', [x], { shape: rng.chance(0.5) ? s : base.map((d, i) => Math.max(d, s[i - (base.length - s.length)] ?? 1)) });
        break;
      }
      case 13: {
        // Casts and comparisons: a bool round trip the simplifier can shorten, a lossy one it must keep.
        const partners = floats().filter((y) => broadcastable(x, y));
        const y = rng.pick(partners);
        const condition = b.op(rng.pick(['greater', 'lessEqual', 'equal']), [x, y]);
        if (rng.chance(0.5)) made = b.op('where', [b.op('cast', [b.op('cast', [condition], { dtype: 'int32' })], { dtype: 'bool' }), x, y]);
        else made = b.op('cast', [b.op('cast', [rng.chance(0.5) ? x : b.op('cast', [condition], { dtype: 'float32' })], { dtype: 'int32' })], { dtype: 'float32' });
        break;
      }
      case 14: {
        // Duplicates for CSE: an earlier binary op again, as it was or with its operands swapped
        // (which only commutative ops may merge), or a unary op applied twice to the same value.
        if (binaries.length > 0 && rng.chance(0.7)) {
          const [op, [p, q]] = rng.pick(binaries);
          made = b.op(op, rng.chance(0.5) ? [q, p] : [p, q]);
        } else {
          made = b.op('mul', [b.op('neg', [x]), b.op('neg', [x])]);
        }
        break;
      }
      case 15: {
        const r = b.op('random', [], { shape: rng.pick(shapes), distribution: rng.pick(['uniform', 'normal']), seed: [rng.int(3), 0] });
        if (broadcastable(x, r)) made = b.op('add', [x, r]);
        break;
      }
    }
    if (made !== undefined && b.info(made).dtype === 'float32') pool.push(made);
  }
  if (useVariable) {
    const sameShape = floats().filter((id) => shapeOf(id).length === 2 && shapeOf(id)[0] === rows && shapeOf(id)[1] === cols);
    b.assign(variable, rng.pick(sameShape));
  }
  const outputs = new Set<number>([pool[pool.length - 1]]);
  for (let k = rng.int(3); k > 0; k--) outputs.add(rng.pick(pool));
  const graph = b.build([...outputs]);
  const variables = new Map<unknown, TypedArray>();
  if (useVariable) variables.set(variable, Float32Array.from({ length: rows * cols }, () => Math.round((rng.next() * 2 - 1) * 16) / 16));
  return { graph, variables };
}
