// cumsum along one axis of x viewed as [outer, length, inner]. The running sums of one outer slice
// live in a row of `inner` accumulators (f64 for float32, as the reference accumulates, i32 for
// int32, which wraps like the reference's `| 0`), so every step is a vector add across the
// contiguous inner axis. A reversed scan walks the axis from its end.

export function cumsum_f32(xs: usize, outs: usize, accs: usize, outer: i32, length: i32, inner: i32, exclusive: bool, reverse: bool): void {
  const rowBytes = <usize>inner << 2;
  for (let o = 0; o < outer; o++) {
    memory.fill(accs, 0, <usize>inner << 3);
    const slice = <usize>o * <usize>length * rowBytes;
    for (let k = 0; k < length; k++) {
      const offset = slice + <usize>(reverse ? length - 1 - k : k) * rowBytes;
      const x = xs + offset;
      const out = outs + offset;
      let j = 0;
      for (; j + 2 <= inner; j += 2) {
        const at = accs + (<usize>j << 3);
        const before = v128.load(at);
        const after = f64x2.add(before, f64x2.promote_low_f32x4(v128.load64_zero(x + (<usize>j << 2))));
        v128.store(at, after);
        v128.store64_lane(out + (<usize>j << 2), f32x4.demote_f64x2_zero(exclusive ? before : after), 0);
      }
      for (; j < inner; j++) {
        const at = accs + (<usize>j << 3);
        const before = load<f64>(at);
        const after = before + <f64>load<f32>(x + (<usize>j << 2));
        store<f64>(at, after);
        store<f32>(out + (<usize>j << 2), <f32>(exclusive ? before : after));
      }
    }
  }
}

export function cumsum_i32(xs: usize, outs: usize, accs: usize, outer: i32, length: i32, inner: i32, exclusive: bool, reverse: bool): void {
  const rowBytes = <usize>inner << 2;
  for (let o = 0; o < outer; o++) {
    memory.fill(accs, 0, rowBytes);
    const slice = <usize>o * <usize>length * rowBytes;
    for (let k = 0; k < length; k++) {
      const offset = slice + <usize>(reverse ? length - 1 - k : k) * rowBytes;
      const x = xs + offset;
      const out = outs + offset;
      let j = 0;
      for (; j + 4 <= inner; j += 4) {
        const at = accs + (<usize>j << 2);
        const before = v128.load(at);
        const after = i32x4.add(before, v128.load(x + (<usize>j << 2)));
        v128.store(at, after);
        v128.store(out + (<usize>j << 2), exclusive ? before : after);
      }
      for (; j < inner; j++) {
        const at = accs + (<usize>j << 2);
        const before = load<i32>(at);
        const after = before + load<i32>(x + (<usize>j << 2));
        store<i32>(at, after);
        store<i32>(out + (<usize>j << 2), exclusive ? before : after);
      }
    }
  }
}
