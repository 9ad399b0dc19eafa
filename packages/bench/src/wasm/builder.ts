/**
 * A tiny WebAssembly binary builder: one memory, a few functions, f32/i32 scalars and v128 SIMD.
 * Enough to hand-write the bench's reference kernels (the SIMD peak loop and the hand-fused gelu)
 * without a toolchain. Opcodes are those of the WebAssembly core and SIMD specifications.
 */
export const I32 = 0x7f;
export const F32 = 0x7d;
export const V128 = 0x7b;
type ValType = typeof I32 | typeof F32 | typeof V128;

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

function sleb(n: number): number[] {
  const out: number[] = [];
  while (true) {
    const byte = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (byte & 0x40) === 0) || (n === -1 && (byte & 0x40) !== 0)) {
      out.push(byte);
      return out;
    }
    out.push(byte | 0x80);
  }
}

function section(id: number, body: number[]): number[] {
  return [id, ...uleb(body.length), ...body];
}

function vector(items: number[][]): number[] {
  return [...uleb(items.length), ...items.flat()];
}

function name(s: string): number[] {
  const bytes = [...new TextEncoder().encode(s)];
  return [...uleb(bytes.length), ...bytes];
}

const SIMD = {
  load: 0x00,
  store: 0x0b,
  const: 0x0c,
  f32x4Splat: 0x13,
  f32x4ExtractLane: 0x1f,
  and: 0x4e,
  or: 0x50,
  xor: 0x51,
  f32x4Nearest: 0x6a,
  i32x4Shl: 0xab,
  i32x4Add: 0xae,
  f32x4Abs: 0xe0,
  f32x4Neg: 0xe1,
  f32x4Add: 0xe4,
  f32x4Sub: 0xe5,
  f32x4Mul: 0xe6,
  f32x4Div: 0xe7,
  f32x4Min: 0xe8,
  f32x4Max: 0xe9,
  i32x4TruncSatF32x4S: 0xf8,
} as const;

/** Instructions of one function body, appended with chained calls. */
export class Code {
  readonly bytes: number[] = [];

  private simd(op: number, ...immediates: number[]): this {
    this.bytes.push(0xfd, ...uleb(op), ...immediates);
    return this;
  }

  get(local: number): this {
    this.bytes.push(0x20, ...uleb(local));
    return this;
  }
  set(local: number): this {
    this.bytes.push(0x21, ...uleb(local));
    return this;
  }
  tee(local: number): this {
    this.bytes.push(0x22, ...uleb(local));
    return this;
  }
  i32(value: number): this {
    this.bytes.push(0x41, ...sleb(value | 0));
    return this;
  }
  f32(value: number): this {
    this.bytes.push(0x43, ...new Uint8Array(new Float32Array([value]).buffer));
    return this;
  }
  i32Add(): this {
    this.bytes.push(0x6a);
    return this;
  }
  i32Sub(): this {
    this.bytes.push(0x6b);
    return this;
  }
  i32Mul(): this {
    this.bytes.push(0x6c);
    return this;
  }
  i32LtU(): this {
    this.bytes.push(0x49);
    return this;
  }
  i32Eqz(): this {
    this.bytes.push(0x45);
    return this;
  }
  f32Add(): this {
    this.bytes.push(0x92);
    return this;
  }
  /** A loop whose body may `brIf(0)` back to its start. */
  loop(body: (c: this) => void): this {
    this.bytes.push(0x03, 0x40);
    body(this);
    this.bytes.push(0x0b);
    return this;
  }
  /** A block whose body may `brIf(n)` past its end. */
  block(body: (c: this) => void): this {
    this.bytes.push(0x02, 0x40);
    body(this);
    this.bytes.push(0x0b);
    return this;
  }
  brIf(depth: number): this {
    this.bytes.push(0x0d, ...uleb(depth));
    return this;
  }
  v128Load(offset = 0): this {
    return this.simd(SIMD.load, 4, ...uleb(offset));
  }
  v128Store(offset = 0): this {
    return this.simd(SIMD.store, 4, ...uleb(offset));
  }
  f32x4Splat(): this {
    return this.simd(SIMD.f32x4Splat);
  }
  /** A v128 constant whose four f32 lanes hold `value`. */
  f32x4Const(value: number): this {
    return this.simd(SIMD.const, ...new Uint8Array(new Float32Array([value, value, value, value]).buffer));
  }
  i32x4Const(value: number): this {
    return this.simd(SIMD.const, ...new Uint8Array(new Int32Array([value, value, value, value]).buffer));
  }
  f32x4ExtractLane(lane: number): this {
    return this.simd(SIMD.f32x4ExtractLane, lane);
  }
  f32x4Add(): this {
    return this.simd(SIMD.f32x4Add);
  }
  f32x4Sub(): this {
    return this.simd(SIMD.f32x4Sub);
  }
  f32x4Mul(): this {
    return this.simd(SIMD.f32x4Mul);
  }
  f32x4Div(): this {
    return this.simd(SIMD.f32x4Div);
  }
  f32x4Min(): this {
    return this.simd(SIMD.f32x4Min);
  }
  f32x4Max(): this {
    return this.simd(SIMD.f32x4Max);
  }
  f32x4Abs(): this {
    return this.simd(SIMD.f32x4Abs);
  }
  f32x4Neg(): this {
    return this.simd(SIMD.f32x4Neg);
  }
  f32x4Nearest(): this {
    return this.simd(SIMD.f32x4Nearest);
  }
  i32x4TruncSatF32x4S(): this {
    return this.simd(SIMD.i32x4TruncSatF32x4S);
  }
  i32x4Add(): this {
    return this.simd(SIMD.i32x4Add);
  }
  i32x4Shl(): this {
    return this.simd(SIMD.i32x4Shl);
  }
  v128And(): this {
    return this.simd(SIMD.and);
  }
  v128Or(): this {
    return this.simd(SIMD.or);
  }
  v128Xor(): this {
    return this.simd(SIMD.xor);
  }
}

export interface FunctionSpec {
  name: string;
  params: ValType[];
  results: ValType[];
  /** Extra locals after the parameters, by type. */
  locals: ValType[];
  code: Code;
}

/** Assembles a module exporting its functions and, when `memoryPages` is given, a memory named `memory`. */
export function buildModule(functions: readonly FunctionSpec[], memoryPages?: number): Uint8Array<ArrayBuffer> {
  const types = functions.map((f) => [0x60, ...vector(f.params.map((p) => [p])), ...vector(f.results.map((r) => [r]))]);
  const funcs = functions.map((_, i) => uleb(i));
  const exports = functions.map((f, i) => [...name(f.name), 0x00, ...uleb(i)]);
  if (memoryPages !== undefined) exports.push([...name('memory'), 0x02, 0]);
  const bodies = functions.map((f) => {
    const locals = vector(f.locals.map((t) => [1, t]));
    const body = [...locals, ...f.code.bytes, 0x0b];
    return [...uleb(body.length), ...body];
  });
  const bytes = [
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vector(types)),
    ...section(3, vector(funcs)),
    ...(memoryPages !== undefined ? section(5, vector([[0x00, ...uleb(memoryPages)]])) : []),
    ...section(7, vector(exports)),
    ...section(10, vector(bodies)),
  ];
  return Uint8Array.from(bytes);
}
