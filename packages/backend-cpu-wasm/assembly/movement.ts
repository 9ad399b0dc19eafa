// Data movement. Transpose, broadcast, slices, reverse, tile, pad and concat are all one strided
// copy: the JS side describes the source and destination as (shape, signed strides) views, collapses
// them, and writes [rank, shape[rank], source strides[rank], destination strides[rank], index[rank]].
// Contiguous innermost runs become memory.copy; the rest is a strided element loop.

// @ts-ignore: decorator
@inline function copyRow(src: usize, srcStride: i32, dst: usize, dstStride: i32, n: i32, shift: i32): void {
  if (srcStride == 1 && dstStride == 1) {
    memory.copy(dst, src, <usize>n << shift);
  } else if (shift == 2) {
    if (dstStride == 1) {
      for (let i = 0; i < n; i++) store<i32>(dst + (<usize>i << 2), load<i32>(src + (<usize>(i * srcStride) << 2)));
    } else {
      for (let i = 0; i < n; i++) store<i32>(dst + (<usize>(i * dstStride) << 2), load<i32>(src + (<usize>(i * srcStride) << 2)));
    }
  } else {
    for (let i = 0; i < n; i++) store<u8>(dst + <usize>(i * dstStride), load<u8>(src + <usize>(i * srcStride)));
  }
}

export function copy_strided(src: usize, dst: usize, plan: usize, shift: i32): void {
  const rank = load<i32>(plan);
  const shape: usize = plan + 4;
  const srcStrides = shape + (<usize>rank << 2);
  const dstStrides = srcStrides + (<usize>rank << 2);
  const index = dstStrides + (<usize>rank << 2);
  const last: usize = <usize>(rank - 1) << 2;
  const n = load<i32>(shape + last);
  const srcInner = load<i32>(srcStrides + last);
  const dstInner = load<i32>(dstStrides + last);
  let rows = 1;
  for (let d = 0; d < rank - 1; d++) {
    rows *= load<i32>(shape + (<usize>d << 2));
    store<i32>(index + (<usize>d << 2), 0);
  }
  let srcOffset = 0;
  let dstOffset = 0;
  for (let r = 0; r < rows; r++) {
    copyRow(src + (<usize>srcOffset << shift), srcInner, dst + (<usize>dstOffset << shift), dstInner, n, shift);
    for (let d = rank - 2; d >= 0; d--) {
      const at: usize = <usize>d << 2;
      const i = load<i32>(index + at) + 1;
      const extent = load<i32>(shape + at);
      srcOffset += load<i32>(srcStrides + at);
      dstOffset += load<i32>(dstStrides + at);
      if (i < extent) {
        store<i32>(index + at, i);
        break;
      }
      store<i32>(index + at, 0);
      srcOffset -= load<i32>(srcStrides + at) * extent;
      dstOffset -= load<i32>(dstStrides + at) * extent;
    }
  }
}

export function fill_32(dst: usize, bits: i32, n: i32): void {
  const splat = i32x4.splat(bits);
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(dst + (<usize>i << 2), splat);
  for (; i < n; i++) store<i32>(dst + (<usize>i << 2), bits);
}

export function fill_8(dst: usize, value: i32, n: i32): void {
  memory.fill(dst, <u8>value, <usize>n);
}

/**
 * gather over x viewed as [batch, outer, length, inner] and indices as [batch, count]: output
 * [batch, outer, count, inner]. Out-of-range indices give zeros, as the primitive defines.
 */
export function gather(xs: usize, ids: usize, outs: usize, batch: i32, outer: i32, length: i32, inner: i32, count: i32, shift: i32): void {
  const rowBytes = <usize>inner << shift;
  let dst = outs;
  for (let b = 0; b < batch; b++) {
    for (let p = 0; p < outer; p++) {
      const base = xs + (<usize>(b * outer + p) * <usize>length) * rowBytes;
      for (let k = 0; k < count; k++) {
        const id = load<i32>(ids + (<usize>(b * count + k) << 2));
        if (id >= 0 && id < length) memory.copy(dst, base + <usize>id * rowBytes, rowBytes);
        else memory.fill(dst, 0, rowBytes);
        dst += rowBytes;
      }
    }
  }
}

/** Rows of data [count, inner] added into out [segments, inner] by segment id; float in an f64 accumulator. */
export function segment_sum_f32(xs: usize, ids: usize, accs: usize, count: i32, inner: i32, segments: i32): void {
  for (let k = 0; k < count; k++) {
    const id = load<i32>(ids + (<usize>k << 2));
    if (id < 0 || id >= segments) continue;
    const src = xs + ((<usize>k * <usize>inner) << 2);
    const dst = accs + ((<usize>id * <usize>inner) << 3);
    for (let i = 0; i < inner; i++) {
      const at = dst + (<usize>i << 3);
      store<f64>(at, load<f64>(at) + <f64>load<f32>(src + (<usize>i << 2)));
    }
  }
}

export function segment_sum_i32(xs: usize, ids: usize, outs: usize, count: i32, inner: i32, segments: i32): void {
  for (let k = 0; k < count; k++) {
    const id = load<i32>(ids + (<usize>k << 2));
    if (id < 0 || id >= segments) continue;
    const src = xs + ((<usize>k * <usize>inner) << 2);
    const dst = outs + ((<usize>id * <usize>inner) << 2);
    let i = 0;
    for (; i + 4 <= inner; i += 4) {
      const at = dst + (<usize>i << 2);
      v128.store(at, i32x4.add(v128.load(at), v128.load(src + (<usize>i << 2))));
    }
    for (; i < inner; i++) {
      const at = dst + (<usize>i << 2);
      store<i32>(at, load<i32>(at) + load<i32>(src + (<usize>i << 2)));
    }
  }
}
