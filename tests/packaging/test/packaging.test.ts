// Installs Tessera the way a user does: every publishable workspace package is packed with
// `pnpm pack`, the tarballs go into an empty project outside the repository with plain
// `npm install`, and that project imports, runs and typechecks against them. A file missing from
// `files`, a broken `exports` map, a `.d.ts` that does not resolve under NodeNext, or a dependency
// left as `workspace:` fails here before it fails for a user.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

interface Manifest {
  name: string;
  private?: boolean;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  exports?: Record<string, Record<string, string>>;
}

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const ownManifest = readJson<Manifest>(new URL('../package.json', import.meta.url));

function readJson<T>(file: string | URL): T {
  return JSON.parse(readFileSync(file, 'utf8')) as T;
}

function workspacePackages(): { dir: string; manifest: Manifest }[] {
  const dirs = ['packages', 'apps', 'tests'].flatMap((group) =>
    existsSync(join(repoRoot, group)) ? readdirSync(join(repoRoot, group)).map((name) => join(repoRoot, group, name)) : [],
  );
  return dirs
    .filter((dir) => existsSync(join(dir, 'package.json')))
    .map((dir) => ({ dir, manifest: readJson<Manifest>(join(dir, 'package.json')) }));
}

const publishable = workspacePackages().filter(({ manifest }) => manifest.private !== true);

/** pnpm as the running script was started with (`pnpm run test` sets npm_execpath), else from PATH. */
function pnpm(args: string[], cwd: string): string {
  const execPath = process.env.npm_execpath;
  if (execPath !== undefined && basename(execPath).includes('pnpm')) {
    return execFileSync(process.execPath, [execPath, ...args], { cwd, encoding: 'utf8' });
  }
  return execFileSync('pnpm', args, { cwd, encoding: 'utf8' });
}

/** npm with the npm_* variables of the surrounding pnpm script removed, as a user's shell would have it. */
function npm(args: string[], cwd: string): string {
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^npm_/i.test(key)));
  return execFileSync('npm', args, { cwd, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

function run(command: string, args: string[], cwd: string): { status: number; output: string } {
  try {
    return { status: 0, output: execFileSync(command, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }) };
  } catch (error) {
    const e = error as { status?: number; stdout?: string; stderr?: string };
    return { status: e.status ?? 1, output: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

let workDir = '';
let project = '';
const tarballs = new Map<string, string>();

beforeAll(() => {
  workDir = mkdtempSync(join(tmpdir(), 'tessera-packaging-'));
  const tarballDir = join(workDir, 'tarballs');
  project = join(workDir, 'project');
  mkdirSync(tarballDir);
  mkdirSync(project);
  for (const { dir, manifest } of publishable) {
    const before = new Set(readdirSync(tarballDir));
    pnpm(['pack', '--pack-destination', tarballDir], dir);
    const created = readdirSync(tarballDir).filter((file) => !before.has(file));
    if (created.length !== 1) throw new Error(`pnpm pack of ${manifest.name} created ${JSON.stringify(created)}`);
    tarballs.set(manifest.name, join(tarballDir, created[0]));
  }
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }, null, 2));
  npm(['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error', ...tarballs.values()], project);
});

afterAll(() => {
  if (workDir !== '' && process.env.TESSERA_KEEP_PACKAGING_DIR === undefined) rmSync(workDir, { recursive: true, force: true });
});

const installed = (name: string, ...path: string[]) => join(project, 'node_modules', ...name.split('/'), ...path);

describe('the set of publishable packages', () => {
  it('includes @tessera/core', () => {
    expect(publishable.map(({ manifest }) => manifest.name)).toContain('@tessera/core');
  });

  it('is built before this test runs: each is a workspace devDependency here, so turbo orders ^build', () => {
    for (const { manifest } of publishable) expect(ownManifest.devDependencies?.[manifest.name]).toBe('workspace:*');
  });
});

describe.each(publishable.map(({ manifest }) => manifest.name))('%s installed from its tarball', (name) => {
  it('contains only package.json, docs and dist/, never sources or tests', () => {
    const files = execFileSync('tar', ['-tzf', tarballs.get(name)!], { encoding: 'utf8' }).trim().split('\n');
    expect(files).toContain('package/package.json');
    expect(files.some((f) => f.startsWith('package/dist/'))).toBe(true);
    const unexpected = files.filter((f) => !/^package\/(package\.json|README\.md|LICENSE|CHANGELOG\.md|dist\/.+)$/.test(f));
    expect(unexpected).toEqual([]);
  });

  it('has every file its exports map names, a .d.ts for every entry point, and no workspace: ranges', () => {
    const manifest = readJson<Manifest>(installed(name, 'package.json'));
    const entries = Object.entries(manifest.exports ?? {});
    expect(entries.length).toBeGreaterThan(0);
    for (const [entry, conditions] of entries) {
      expect(conditions.types, `${name} exports["${entry}"].types`).toMatch(/\.d\.ts$/);
      for (const target of Object.values(conditions)) expect(existsSync(installed(name, target)), `${name}/${target}`).toBe(true);
    }
    const ranges = Object.values({ ...manifest.dependencies });
    expect(ranges.filter((range) => range.startsWith('workspace:'))).toEqual([]);
  });
});

describe('@tessera/core in a fresh npm project', () => {
  // The bundle is not the source: module order inside a bundled chunk once left a registry entry
  // undefined while every source-level test passed. The whole table on the installed build catches that.
  it('passes the whole conformance suite from the installed build', () => {
    writeFileSync(
      join(project, 'conformance.mjs'),
      `import { conformanceCases, registerReferenceBackend, runConformance } from '@tessera/core/testing';
const report = await runConformance(registerReferenceBackend(), conformanceCases);
console.log(JSON.stringify({ total: report.total, passed: report.passed, failures: report.failures.slice(0, 5) }));
`,
    );
    const { status, output } = run(process.execPath, ['conformance.mjs'], project);
    expect(status).toBe(0);
    const report = JSON.parse(output.trim().split('\n').at(-1)!);
    expect(report.failures).toEqual([]);
    expect(report.total).toBeGreaterThan(1000);
    expect(report.passed).toBe(report.total);
  });

  it('has type declarations for both entry points', () => {
    expect(existsSync(installed('@tessera/core', 'dist', 'index.d.ts'))).toBe(true);
    expect(existsSync(installed('@tessera/core', 'dist', 'testing', 'index.d.ts'))).toBe(true);
  });

  it('runs ops and a gradient on the reference backend from plain ESM', () => {
    writeFileSync(
      join(project, 'use-core.mjs'),
      `import assert from 'node:assert/strict';
import { grad, memory, setBackend, tensor } from '@tessera/core';
import { registerReferenceBackend } from '@tessera/core/testing';

registerReferenceBackend();
await setBackend('reference');
const sum = tensor([1, 2, 3]).add(1);
const dx = grad((x) => x.mul(x).sum())(tensor([1, 2, 3]));
const result = { sum: Array.from(await sum.data()), dx: Array.from(await dx.data()), shape: dx.shape };
assert.deepEqual(result.sum, [2, 3, 4]);
assert.deepEqual(result.dx, [2, 4, 6]);
console.log(JSON.stringify({ ...result, liveTensors: memory().numTensors }));
`,
    );
    const { status, output } = run(process.execPath, ['use-core.mjs'], project);
    expect(output).not.toMatch(/Error/);
    expect(status).toBe(0);
    const result = JSON.parse(output.trim().split('\n').at(-1)!);
    expect(result).toMatchObject({ sum: [2, 3, 4], dx: [2, 4, 6], shape: [3] });
  });

  it('typechecks a TypeScript consumer with moduleResolution NodeNext', () => {
    writeFileSync(
      join(project, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          lib: ['ES2022', 'ESNext.Disposable'],
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          strict: true,
          noEmit: true,
          types: [],
        },
        files: ['consumer.ts'],
      }),
    );
    writeFileSync(
      join(project, 'consumer.ts'),
      `import { grad, setBackend, tensor, type Tensor } from '@tessera/core';
import { registerReferenceBackend } from '@tessera/core/testing';

registerReferenceBackend();
await setBackend('reference');
const x: Tensor = tensor([1, 2, 3]).add(1);
const dx: Tensor = grad((t) => t.mul(t).sum())(x);
const shape: readonly number[] = dx.shape;
export { shape };

// The declarations are real types, not \`any\`: each line below must be a type error.
// @ts-expect-error -- Tensor has no method by this name
x.notAnOp();
// @ts-expect-error -- setBackend takes a backend name
await setBackend(42);
`,
    );
    const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
    const { status, output } = run(process.execPath, [tsc, '-p', join(project, 'tsconfig.json')], project);
    expect(output).toBe('');
    expect(status).toBe(0);
  });
});

describe('@tessera/layers in a fresh npm project', () => {
  // The registry finds layer classes lazily because the wrappers and the registry import each other;
  // in a bundle that cycle becomes module order, so rebuild a wrapper from its config on the build.
  it('runs a Dense layer, rebuilds a Bidirectional LSTM from its Keras config, infers a custom layer\'s output shape', () => {
    writeFileSync(
      join(project, 'use-layers.mjs'),
      `import assert from 'node:assert/strict';
import { setBackend, tensor } from '@tessera/core';
import { registerReferenceBackend } from '@tessera/core/testing';
import { Bidirectional, Dense, LSTM, Layer, deserializeLayer, serializeLayer } from '@tessera/layers';

registerReferenceBackend();
await setBackend('reference');
const dense = new Dense({ units: 2, activation: 'relu' });
dense.build([null, 3]);
dense.setWeights([tensor([[1, -1], [2, 0], [0, 1]]), tensor([0.5, 0])]);
const y = Array.from(await dense.apply(tensor([[1, 1, 1]])).data());
const copy = deserializeLayer(serializeLayer(new Bidirectional({ layer: new LSTM({ units: 2, returnSequences: true }) })));
assert.ok(copy instanceof Bidirectional);
const out = copy.apply(tensor([[[1, 0], [0, 1], [1, 1]]]));
// A custom layer with only call: its output shape comes from the tracer's evalShape.
class FlattenRows extends Layer {
  call(x) {
    return x.reshape([x.shape[0], -1]);
  }
}
const inferred = new FlattenRows().computeOutputShape([null, 3, 4]);
console.log(JSON.stringify({ y, shape: out.shape, weights: copy.weights.length, inferred }));
`,
    );
    const { status, output } = run(process.execPath, ['use-layers.mjs'], project);
    expect(output).not.toMatch(/Error/);
    expect(status).toBe(0);
    expect(JSON.parse(output.trim().split('\n').at(-1)!)).toEqual({ y: [3.5, 0], shape: [1, 3, 4], weights: 6, inferred: [null, 12] });
  });
});

describe('@tessera/tracer in a fresh npm project', () => {
  it('traces a function once and runs its optimized graph, with a variable written on every call; evalShape gives a spec', () => {
    writeFileSync(
      join(project, 'use-tracer.mjs'),
      `import { setBackend, tensor, variable } from '@tessera/core';
import { registerReferenceBackend } from '@tessera/core/testing';
import { evalShape, trace } from '@tessera/tracer';

registerReferenceBackend();
await setBackend('reference');
const calls = variable(tensor(0));
const f = trace((x) => {
  calls.assignAdd(1);
  return x.mul(2).add(1).relu();
});
const first = Array.from(await f(tensor([1, -3])).data());
const second = Array.from(await f(tensor([4, 0])).data());
const spec = evalShape((x) => x.matMul(tensor([[1], [2]])), { shape: [null, 2] });
console.log(JSON.stringify({ first, second, traceCount: f.traceCount, calls: calls.dataSync()[0], spec }));
`,
    );
    const { status, output } = run(process.execPath, ['use-tracer.mjs'], project);
    expect(output).not.toMatch(/Error/);
    expect(status).toBe(0);
    expect(JSON.parse(output.trim().split('\n').at(-1)!)).toEqual({
      first: [3, 0],
      second: [9, 1],
      traceCount: 1,
      calls: 2,
      spec: { shape: [null, 1], dtype: 'float32' },
    });
  });
});

describe('@tessera/backend-cpu-wasm in a fresh npm project', () => {
  it('registers itself on import and is the default backend, with no path or file configuration', () => {
    writeFileSync(
      join(project, 'use-wasm.mjs'),
      `import assert from 'node:assert/strict';
import { getBackend, memory, tensor } from '@tessera/core';
import { WasmBackend } from '@tessera/backend-cpu-wasm';

const x = tensor([1, 2, 3]);
const squares = x.square();
assert.equal(getBackend(), 'wasm');
assert.equal(typeof WasmBackend.create, 'function');
const result = { backend: getBackend(), squares: Array.from(await squares.data()) };
x.dispose();
squares.dispose();
console.log(JSON.stringify({ ...result, bytes: memory().numBytes }));
`,
    );
    const { status, output } = run(process.execPath, ['use-wasm.mjs'], project);
    expect(output).not.toMatch(/Error/);
    expect(status).toBe(0);
    expect(JSON.parse(output.trim().split('\n').at(-1)!)).toEqual({ backend: 'wasm', squares: [1, 4, 9], bytes: 0 });
  });
});

/**
 * Where Debian's Chromium keeps SwiftShader's Vulkan driver (as packages/backend-webgpu/test/swiftshader.ts
 * finds it): Dawn in Node needs a Vulkan device, and this is the one a machine without a GPU has.
 */
function swiftShaderEnv(): Record<string, string> {
  if (process.env.VK_ICD_FILENAMES !== undefined) return {};
  const icd = ['/usr/lib/chromium/vk_swiftshader_icd.json', '/usr/lib64/chromium/vk_swiftshader_icd.json'].find((path) => existsSync(path));
  if (icd === undefined) return {};
  const dir = icd.slice(0, icd.lastIndexOf('/'));
  return {
    VK_ICD_FILENAMES: icd,
    LD_LIBRARY_PATH: process.env.LD_LIBRARY_PATH ? `${process.env.LD_LIBRARY_PATH}:${dir}` : dir,
    XDG_RUNTIME_DIR: process.env.XDG_RUNTIME_DIR ?? mkdtempSync(join(tmpdir(), 'tessera-webgpu-')),
  };
}

describe('@tessera/backend-webgpu in a fresh npm project', () => {
  it('registers webgpu on import, and runs kernels and a fused region on a Vulkan device (SwiftShader without a GPU)', () => {
    writeFileSync(
      join(project, 'use-webgpu.mjs'),
      `import assert from 'node:assert/strict';
import { engine, setBackend, tensor } from '@tessera/core';
import { WebGPUBackend } from '@tessera/backend-webgpu';

assert.ok(engine.backendNames().includes('webgpu'));
const backend = await setBackend('webgpu');
assert.ok(backend instanceof WebGPUBackend);
const y = Array.from(await tensor([1, 2, 3]).mul(2).neg().data());
const x = backend.write(new Float32Array([-1, 0.5, NaN]), [3], 'float32');
const program = { numInputs: 1, instructions: [{ op: 'relu', args: [0], attrs: {}, dtype: 'float32' }, { op: 'mul', args: [1, 0], attrs: {}, dtype: 'float32' }], outputs: [2] };
const [z] = backend.runFused(program, [{ id: x, shape: [3], dtype: 'float32' }], [{ shape: [3], dtype: 'float32' }]);
const fused = Array.from(await backend.read(z));
console.log(JSON.stringify({ y, fused: fused.map(String) }));
backend.dispose();
`,
    );
    const result = spawnSync(process.execPath, ['use-webgpu.mjs'], { cwd: project, encoding: 'utf8', env: { ...process.env, ...swiftShaderEnv() } });
    const output = `${result.stdout}${result.stderr}`;
    expect(output).not.toMatch(/Error/);
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout.trim().split('\n').at(-1)!)).toEqual({ y: [-2, -4, -6], fused: ['0', '0.25', 'NaN'] });
  });

  it('ships type declarations that reference @webgpu/types', () => {
    const declarations = readFileSync(installed('@tessera/backend-webgpu', 'dist', 'index.d.ts'), 'utf8');
    expect(declarations).toMatch(/@webgpu\/types/);
    expect(existsSync(installed('@webgpu/types', 'package.json'))).toBe(true);
  });
});

describe('@tessera/keras in a fresh npm project', () => {
  it('compiles, fits and predicts a functional model from plain ESM', () => {
    writeFileSync(
      join(project, 'use-keras.mjs'),
      `import { setBackend, tensor } from '@tessera/core';
import { registerReferenceBackend } from '@tessera/core/testing';
import { Dense } from '@tessera/layers';
import { Input, Model, SGD, modelFromJSON } from '@tessera/keras';

registerReferenceBackend();
await setBackend('reference');
const x = Input({ shape: [3] });
const model = new Model({ inputs: x, outputs: new Dense({ units: 2, kernelInitializer: 'ones' }).apply(x) });
model.compile({ optimizer: new SGD({ learningRate: 0.01 }), loss: 'mse' });
const history = await model.fit(tensor([[1, 2, 3]]), tensor([[1, 1]]), { epochs: 2, verbose: 0 });
const copy = modelFromJSON(model.toJSON());
copy.setWeights(model.getWeights());
const y = Array.from(await copy.predict(tensor([[1, 1, 1]]), { verbose: 0 }).data());
console.log(JSON.stringify({ loss: history.history.loss, y: y.map((v) => Math.round(v * 1e4) / 1e4) }));
`,
    );
    const { status, output } = run(process.execPath, ['use-keras.mjs'], project);
    expect(output).not.toMatch(/Error/);
    expect(status).toBe(0);
    // w = 1, b = 0, x = [1,2,3], target 1: loss 25; the steps subtract 0.05 x and 0.0425 x (and 0.05, 0.0425 from b).
    expect(JSON.parse(output.trim().split('\n').at(-1)!)).toEqual({ loss: [25, 18.0625], y: [2.3525, 2.3525] });
  });
});
