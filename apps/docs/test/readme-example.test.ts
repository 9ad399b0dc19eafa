import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { readmeParts } from '../src/readme.js';

const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');

// The README's example is plain JavaScript that is also valid TypeScript, so Node runs it as is. Every
// `console.log(...); // output` line in it states its output; this test holds the README to that.
it('runs the README example and prints what its comments say', () => {
  const { example } = readmeParts(readme);
  const expected = example
    .split('\n')
    .filter((line) => line.startsWith('console.log('))
    .map((line) => /\/\/ (.*)$/.exec(line)?.[1]);
  expect(expected.length).toBeGreaterThan(0);
  expect(expected).not.toContain(undefined);

  // Written inside this package so that '@tessera/core' resolves to the workspace build.
  const dir = fileURLToPath(new URL('../test-results/', import.meta.url));
  mkdirSync(dir, { recursive: true });
  writeFileSync(`${dir}readme-example.mjs`, example);
  const output = execFileSync(process.execPath, [`${dir}readme-example.mjs`], { encoding: 'utf8' });
  expect(output.trimEnd().split('\n')).toEqual(expected);
});
