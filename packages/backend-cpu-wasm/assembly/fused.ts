// The fused-elementwise executor: a tile interpreter for a region's expression program.
//
// The JS side (src/kernels/fused.ts) compiles a FusedProgram into opcodes once and, per call, writes
// a plan of i32 words:
//   [numInstructions, numRegisters, numCopies, tileLength, slotBytes, rank, shape[rank],
//    registers (5 words each), instructions (5 words each), copies (3 words each),
//    gather strides (rank words per gathered input)]
// The plan is only read, so several threads can share it; each run gets its own scratch block:
//   [register pointers (numRegisters words), odometer index (rank words), padding to 16 bytes,
//    tile slots (slotBytes each)]
// and a range of output elements [begin, end), which splits a region between threads (tile-aligned
// ranges keep row-broadcast inputs read in place).
// The output is walked in tiles of `tileLength` elements; each register of a tile lives at one
// address, so every instruction is one call of a single-op row function over contiguous memory:
//   SLOT    a scratch slot of the tile area, written by an instruction (or a gather);
//   DIRECT  contiguous memory at the region's shape (an input, or an output the instruction writes
//           in place): base + start·size, no copy;
//   GATHER  an input broadcast to the region's shape: read in place where the tile lies within one
//           contiguous run of it (a row-broadcast input, tiles within rows), else gathered into a
//           slot run by run along the innermost (collapsed) dimension: a copy where the input is
//           contiguous there, a splat where it is broadcast;
//   SPLAT   a one-element input: a slot filled once per call;
//   PATTERN an input that varies only along short rows (a bias of 64 channels), with tiles a whole
//           number of rows: every tile of it is the same, so it is gathered once per call.
// Copies move a register's tile to an output that could not be written in place (an output that is
// an input register, or a register listed as two outputs).

import { fusedOp } from './generated/fused-ops';

const SLOT = 0;
const DIRECT = 1;
const GATHER = 2;
const SPLAT = 3;
const PATTERN = 4;

const HEADER = 6;
const REGISTER_WORDS = 5;
const INSTRUCTION_WORDS = 5;
const COPY_WORDS = 3;

@inline function word(at: usize, i: i32): i32 {
  return load<i32>(at + (<usize>i << 2));
}

/** Fills `n` elements at `out` (4 or 1 bytes each) with the element at `from`. */
@inline function splat(out: usize, from: usize, shift: i32, n: i32): void {
  if (shift == 0) {
    memory.fill(out, load<u8>(from), <usize>n);
    return;
  }
  const value = load<i32>(from);
  const wide = i32x4.splat(value);
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(out + (<usize>i << 2), wide);
  for (; i < n; i++) store<i32>(out + (<usize>i << 2), value);
}

/**
 * Elements [start, start + n) of an input broadcast to the region's shape: `strides` (elements, 0
 * along broadcast dimensions) walk the input as an odometer over `shape`. Where they lie in one
 * contiguous run of the input (a row-broadcast input and a tile within one row), returns their
 * address in the input itself; otherwise gathers them into `out` and returns `out`.
 */
function gather(out: usize, base: usize, shift: i32, strides: usize, shape: usize, index: usize, rank: i32, start: i32, n: i32): usize {
  // The start's multi-index and the input offset it maps to.
  let offset = 0;
  let rest = start;
  for (let d = rank - 1; d >= 0; d--) {
    const extent = word(shape, d);
    const i = rest % extent;
    rest /= extent;
    store<i32>(index + (<usize>d << 2), i);
    offset += i * word(strides, d);
  }
  const last = rank - 1;
  const innerExtent = word(shape, last);
  const innerStride = word(strides, last);
  if (innerStride == 1 && innerExtent - word(index, last) >= n) return base + (<usize>offset << shift);
  let at = out;
  let remaining = n;
  while (remaining > 0) {
    const position = word(index, last);
    let run = innerExtent - position;
    if (run > remaining) run = remaining;
    const from = base + (<usize>offset << shift);
    if (innerStride == 1) {
      memory.copy(at, from, <usize>run << shift);
    } else if (innerStride == 0) {
      splat(at, from, shift, run);
    } else if (shift == 2) {
      for (let i = 0; i < run; i++) store<i32>(at + (<usize>i << 2), load<i32>(from + (<usize>(i * innerStride) << 2)));
    } else {
      for (let i = 0; i < run; i++) store<u8>(at + <usize>i, load<u8>(from + <usize>(i * innerStride)));
    }
    at += <usize>run << shift;
    remaining -= run;
    if (remaining == 0) break;
    // Next position: the innermost index moves by `run`, carrying into outer dimensions.
    offset += run * innerStride;
    let d = last;
    let i = position + run;
    while (d > 0 && i == word(shape, d)) {
      offset -= i * word(strides, d);
      store<i32>(index + (<usize>d << 2), 0);
      d--;
      i = word(index, d) + 1;
      offset += word(strides, d);
    }
    store<i32>(index + (<usize>d << 2), i);
  }
  return out;
}

@inline function pointerOf(pointers: usize, register: i32): usize {
  return load<usize>(pointers + (<usize>register << 2));
}

/** Runs a fused region's plan over output elements [begin, end), with a scratch block of its own. */
export function fused_run(plan: usize, scratch: usize, begin: i32, end: i32): void {
  const numInstructions = word(plan, 0);
  const numRegisters = word(plan, 1);
  const numCopies = word(plan, 2);
  const tileLength = word(plan, 3);
  const slotBytes = <usize>word(plan, 4);
  const rank = word(plan, 5);
  const shape = plan + (<usize>HEADER << 2);
  const registers = shape + (<usize>rank << 2);
  const instructions = registers + (<usize>(numRegisters * REGISTER_WORDS) << 2);
  const copies = instructions + (<usize>(numInstructions * INSTRUCTION_WORDS) << 2);
  const strideArea = copies + (<usize>(numCopies * COPY_WORDS) << 2);
  const pointers = scratch;
  const index = pointers + (<usize>numRegisters << 2);
  const tiles = (index + (<usize>rank << 2) + 15) & ~(<usize>15);

  // Slots are fixed per call; one-element inputs are splat into theirs once, and row patterns
  // gathered once (tiles start at begin + k·tileLength, the same place in a row for every k).
  for (let r = 0; r < numRegisters; r++) {
    const record = registers + (<usize>(r * REGISTER_WORDS) << 2);
    const kind = word(record, 0);
    const slot = tiles + <usize>word(record, 1) * slotBytes;
    if (kind == SLOT || kind == SPLAT) store<usize>(pointers + (<usize>r << 2), slot);
    if (kind == SPLAT) splat(slot, <usize>word(record, 3), word(record, 2), tileLength);
    if (kind == PATTERN) {
      const strides = strideArea + (<usize>word(record, 4) << 2);
      const n = min(tileLength, end - begin);
      store<usize>(pointers + (<usize>r << 2), gather(slot, <usize>word(record, 3), word(record, 2), strides, shape, index, rank, begin, n));
    }
  }

  for (let start = begin; start < end; start += tileLength) {
    let n = end - start;
    if (n > tileLength) n = tileLength;
    for (let r = 0; r < numRegisters; r++) {
      const record = registers + (<usize>(r * REGISTER_WORDS) << 2);
      const kind = word(record, 0);
      if (kind == DIRECT) {
        store<usize>(pointers + (<usize>r << 2), <usize>word(record, 1) + (<usize>start << <usize>word(record, 2)));
      } else if (kind == GATHER) {
        const strides = strideArea + (<usize>word(record, 4) << 2);
        const slot = tiles + <usize>word(record, 1) * slotBytes;
        store<usize>(pointers + (<usize>r << 2), gather(slot, <usize>word(record, 3), word(record, 2), strides, shape, index, rank, start, n));
      }
    }
    for (let k = 0; k < numInstructions; k++) {
      const ins = instructions + (<usize>(k * INSTRUCTION_WORDS) << 2);
      fusedOp(
        word(ins, 0),
        pointerOf(pointers, word(ins, 1)),
        pointerOf(pointers, word(ins, 2)),
        pointerOf(pointers, word(ins, 3)),
        pointerOf(pointers, word(ins, 4)),
        n,
      );
    }
    for (let k = 0; k < numCopies; k++) {
      const copy = copies + (<usize>(k * COPY_WORDS) << 2);
      const shift = word(copy, 2);
      const from = load<usize>(pointers + (<usize>word(copy, 0) << 2));
      memory.copy(<usize>word(copy, 1) + (<usize>start << <usize>shift), from, <usize>n << <usize>shift);
    }
  }
}
