/** Builds the static docs site into dist/: today one index page made from the root README. */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { readmeParts } from './readme.js';
import { renderIndex } from './render.js';

const readme = readFileSync(fileURLToPath(new URL('../../../README.md', import.meta.url)), 'utf8');
const outDir = fileURLToPath(new URL('.', import.meta.url));
mkdirSync(outDir, { recursive: true });
writeFileSync(`${outDir}index.html`, renderIndex(readmeParts(readme)));
console.log(`docs: wrote ${outDir}index.html`);
