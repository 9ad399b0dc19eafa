// Tessera's eager mode in one page: tensors, broadcasting, a gradient, and memory management.
// Importing the WASM backend registers it as the default, so no setBackend call is needed in Node.
import { GradientTape, getBackend, grad, memory, tensor, tidy } from '@tessera/core';
import '@tessera/backend-cpu-wasm';

// Values are printed to 4 decimals: float32 arithmetic makes longer expansions noise.
const round = (_key, value) => (typeof value === 'number' ? Number(value.toFixed(4)) : value);
const show = async (label, t) =>
  console.log(`${label.padEnd(34)} ${`shape [${t.shape}]`.padEnd(13)} ${JSON.stringify(await t.array(), round)}`);

console.log(`backend: ${getBackend()}\n`);

// Tensors are immutable handles; ops never consume their arguments.
const x = tensor([[1, 2, 3], [4, 5, 6]]);
const bias = tensor([0.5, -0.5, 1]);
await show('x', x);
await show('bias', bias);

// NumPy broadcasting: [2,3] with [3] and with a scalar.
console.log('\nbroadcasting');
const before = memory().numTensors;
const result = tidy(() => {
  const shifted = x.add(bias); // [2,3] + [3]
  const scaled = shifted.mul(2); // [2,3] * scalar
  const softmaxDenominators = x.sub(x.max(1, true)).exp().sum(1); // numerically stable Σ exp, per row
  return { scaled, softmaxDenominators };
});
await show('(x + bias) * 2', result.scaled);
await show('Σ exp(x - max(x)) per row', result.softmaxDenominators);
console.log(`memory: ${before} tensors before tidy, ${memory().numTensors} after (only the 2 results survive)`);

// Gradients two ways: grad() for a function of one tensor, GradientTape for several sources.
console.log('\ngradients');
const dSumOfSquares = grad((t) => t.mul(t).sum()); // d/dt Σ t² = 2t
const dx = dSumOfSquares(x);
await show('grad(Σ x²) = 2x', dx);

const w = tensor([0.1, 0.2, 0.3]);
// Outside tidy every intermediate (x·w, + bias, exp) would stay alive until disposed by hand.
const { loss, dw, dbias } = tidy(() => {
  const tape = new GradientTape();
  const loss = tape.record(() => {
    tape.watch(w, bias);
    return x.mul(w).add(bias).exp().sum(); // Σ exp(x·w + bias)
  });
  const [dw, dbias] = tape.gradient(loss, [w, bias]);
  return { loss, dw, dbias };
});
console.log(`${'loss = Σ exp(x·w + bias)'.padEnd(34)} ${(await loss.data())[0].toFixed(4)}`);
await show('d loss / d w', dw);
await show('d loss / d bias', dbias);

// Everything still alive is ours to dispose; memory() shows the count drop to zero.
for (const t of [x, bias, result.scaled, result.softmaxDenominators, dx, w, loss, dw, dbias]) t.dispose();
console.log(`\nmemory after disposing what is left: ${memory().numTensors} tensors, ${memory().numBytes} bytes`);
