// Broadcast iteration shared by the elementwise kernels. The JS side collapses the output shape so
// that the innermost dimension is as long as possible and each input's innermost stride is 0
// (broadcast) or 1 (contiguous); it writes a plan of i32 words:
//   [rank, shape[rank], strides of input 0[rank], strides of input 1[rank], (input 2[rank]), index[rank]]
// with strides in elements. A row function handles one innermost run with SIMD; these drivers walk
// the outer dimensions like an odometer, calling it once per output row.

export type BinaryRow = (xs: usize, xStride: i32, ys: usize, yStride: i32, outs: usize, n: i32) => void;
export type TernaryRow = (cs: usize, cStride: i32, xs: usize, xStride: i32, ys: usize, yStride: i32, outs: usize, n: i32) => void;

@inline function word(plan: usize, at: i32): i32 {
  return load<i32>(plan + (<usize>at << 2));
}

export function forEachBinaryRow(row: BinaryRow, xs: usize, ys: usize, outs: usize, plan: usize, inShift: i32, outShift: i32): void {
  const rank = word(plan, 0);
  const shape: usize = plan + 4;
  const xStrides = shape + (<usize>rank << 2);
  const yStrides = xStrides + (<usize>rank << 2);
  const index = yStrides + (<usize>rank << 2);
  const n = load<i32>(shape + (<usize>(rank - 1) << 2));
  const xInner = load<i32>(xStrides + (<usize>(rank - 1) << 2));
  const yInner = load<i32>(yStrides + (<usize>(rank - 1) << 2));
  let rows = 1;
  for (let d = 0; d < rank - 1; d++) {
    rows *= load<i32>(shape + (<usize>d << 2));
    store<i32>(index + (<usize>d << 2), 0);
  }
  let xOffset = 0;
  let yOffset = 0;
  let outOffset: usize = outs;
  const rowBytes = <usize>n << outShift;
  for (let r = 0; r < rows; r++) {
    row(xs + (<usize>xOffset << inShift), xInner, ys + (<usize>yOffset << inShift), yInner, outOffset, n);
    outOffset += rowBytes;
    for (let d = rank - 2; d >= 0; d--) {
      const at: usize = <usize>d << 2;
      const i = load<i32>(index + at) + 1;
      const extent = load<i32>(shape + at);
      xOffset += load<i32>(xStrides + at);
      yOffset += load<i32>(yStrides + at);
      if (i < extent) {
        store<i32>(index + at, i);
        break;
      }
      store<i32>(index + at, 0);
      xOffset -= load<i32>(xStrides + at) * extent;
      yOffset -= load<i32>(yStrides + at) * extent;
    }
  }
}

export function forEachTernaryRow(row: TernaryRow, cs: usize, xs: usize, ys: usize, outs: usize, plan: usize, inShift: i32): void {
  const rank = word(plan, 0);
  const shape: usize = plan + 4;
  const cStrides = shape + (<usize>rank << 2);
  const xStrides = cStrides + (<usize>rank << 2);
  const yStrides = xStrides + (<usize>rank << 2);
  const index = yStrides + (<usize>rank << 2);
  const last: usize = <usize>(rank - 1) << 2;
  const n = load<i32>(shape + last);
  let rows = 1;
  for (let d = 0; d < rank - 1; d++) {
    rows *= load<i32>(shape + (<usize>d << 2));
    store<i32>(index + (<usize>d << 2), 0);
  }
  let cOffset = 0;
  let xOffset = 0;
  let yOffset = 0;
  let outOffset: usize = outs;
  const rowBytes = <usize>n << inShift;
  for (let r = 0; r < rows; r++) {
    row(cs + <usize>cOffset, load<i32>(cStrides + last), xs + (<usize>xOffset << inShift), load<i32>(xStrides + last),
      ys + (<usize>yOffset << inShift), load<i32>(yStrides + last), outOffset, n);
    outOffset += rowBytes;
    for (let d = rank - 2; d >= 0; d--) {
      const at: usize = <usize>d << 2;
      const i = load<i32>(index + at) + 1;
      const extent = load<i32>(shape + at);
      cOffset += load<i32>(cStrides + at);
      xOffset += load<i32>(xStrides + at);
      yOffset += load<i32>(yStrides + at);
      if (i < extent) {
        store<i32>(index + at, i);
        break;
      }
      store<i32>(index + at, 0);
      cOffset -= load<i32>(cStrides + at) * extent;
      xOffset -= load<i32>(xStrides + at) * extent;
      yOffset -= load<i32>(yStrides + at) * extent;
    }
  }
}
