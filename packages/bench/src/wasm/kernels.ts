import { buildModule, Code, F32, I32, V128 } from './builder.js';

/**
 * The SIMD peak loop: `ACCUMULATORS` independent f32x4 chains, each `acc = acc * m + c` per
 * iteration, so the loop is bound by the throughput of the vector units and not by the latency of one
 * chain (a mul then an add is ~8 cycles deep; 12 chains keep 2 ports busy and still fit in 16
 * registers). Base WebAssembly SIMD has no fused multiply-add, so a mul and an add count as 2 flops
 * per lane, which is what the kernels of every contender execute too.
 */
export const ACCUMULATORS = 12;
export const PEAK_FLOPS_PER_ITERATION = ACCUMULATORS * 4 * 2;

export function peakModule(): Uint8Array<ArrayBuffer> {
  const iterations = 0;
  const acc = (i: number) => 1 + i;
  const m = 1 + ACCUMULATORS;
  const c = m + 1;
  const code = new Code();
  code.f32x4Const(0.5).set(m).f32x4Const(0.25).set(c);
  for (let i = 0; i < ACCUMULATORS; i++) code.f32x4Const(i * 0.01).set(acc(i));
  code.loop((body) => {
    for (let i = 0; i < ACCUMULATORS; i++) body.get(acc(i)).get(m).f32x4Mul().get(c).f32x4Add().set(acc(i));
    body.get(iterations).i32(1).i32Sub().tee(iterations).brIf(0);
  });
  code.get(acc(0));
  for (let i = 1; i < ACCUMULATORS; i++) code.get(acc(i)).f32x4Add();
  code.f32x4ExtractLane(0);
  return buildModule([
    { name: 'peak', params: [I32], results: [F32], locals: Array(ACCUMULATORS + 2).fill(V128), code },
  ]);
}

// erf by Abramowitz & Stegun 7.1.26 (|error| <= 1.5e-7): erf(x) = 1 - t·P(t)·exp(-x²), t = 1/(1 + p·x).
const AS_P = 0.3275911;
const AS_A = [0.254829592, -0.284496736, 1.421413741, -1.453152027, 1.061405429];
// exp by Cody–Waite reduction v = n·ln2 + r, |r| <= ln2/2, then a degree-6 Taylor polynomial.
const LN2_HI = 0.693359375;
const LN2_LO = -2.12194440e-4;

/**
 * One SIMD pass computing gelu(x·a + b) = 0.5·z·(1 + erf(z/√2)): one read and one write per
 * element, everything else in registers. The baseline for "a fused region costs what one pass costs".
 * gelu(inPtr, outPtr, count, a, b); count must be a multiple of 4.
 */
export function fusedGeluModule(memoryPages: number): Uint8Array<ArrayBuffer> {
  const [inPtr, outPtr, count, a, b] = [0, 1, 2, 3, 4];
  const [av, bv, z, u, ax, t, e, nf, end] = [5, 6, 7, 8, 9, 10, 11, 12, 13];
  const code = new Code();
  code.get(a).f32x4Splat().set(av).get(b).f32x4Splat().set(bv);
  code.get(inPtr).get(count).i32(4).i32Mul().i32Add().set(end);
  code.block((exit) => {
    exit.get(inPtr).get(end).i32LtU().i32Eqz().brIf(0);
    exit.loop((c) => {
      c.get(outPtr);
      c.get(inPtr).v128Load().get(av).f32x4Mul().get(bv).f32x4Add().tee(z);
      c.f32x4Const(Math.SQRT1_2).f32x4Mul().tee(u).f32x4Abs().set(ax);
      c.f32x4Const(1).f32x4Const(1).get(ax).f32x4Const(AS_P).f32x4Mul().f32x4Add().f32x4Div().set(t);
      // exp(-ax²), clamped where it would leave the normal range (erf is 1 to f32 precision there).
      c.get(ax).get(ax).f32x4Mul().f32x4Neg().f32x4Const(-87).f32x4Max().set(e);
      c.get(e).f32x4Const(Math.LOG2E).f32x4Mul().f32x4Nearest().set(nf);
      c.get(e).get(nf).f32x4Const(LN2_HI).f32x4Mul().f32x4Sub().get(nf).f32x4Const(LN2_LO).f32x4Mul().f32x4Sub().set(e);
      c.f32x4Const(1 / 720);
      for (const k of [1 / 120, 1 / 24, 1 / 6, 0.5, 1, 1]) c.get(e).f32x4Mul().f32x4Const(k).f32x4Add();
      c.get(nf).i32x4TruncSatF32x4S().i32x4Const(127).i32x4Add().i32(23).i32x4Shl().f32x4Mul().set(e);
      c.f32x4Const(AS_A[4]);
      for (const k of [AS_A[3], AS_A[2], AS_A[1], AS_A[0]]) c.get(t).f32x4Mul().f32x4Const(k).f32x4Add();
      c.get(t).f32x4Mul().get(e).f32x4Mul().set(e);
      c.f32x4Const(1).get(e).f32x4Sub();
      c.get(u).i32x4Const(0x80000000 | 0).v128And().v128Or();
      c.f32x4Const(1).f32x4Add().get(z).f32x4Mul().f32x4Const(0.5).f32x4Mul();
      c.v128Store();
      c.get(inPtr).i32(16).i32Add().set(inPtr).get(outPtr).i32(16).i32Add().set(outPtr);
      c.get(inPtr).get(end).i32LtU().brIf(0);
    });
  });
  return buildModule(
    [
      {
        name: 'gelu',
        params: [I32, I32, I32, F32, F32],
        results: [],
        locals: [V128, V128, V128, V128, V128, V128, V128, V128, I32],
        code,
      },
    ],
    memoryPages,
  );
}
