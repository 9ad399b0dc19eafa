import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/build-site.ts'],
  format: ['esm'],
  sourcemap: true,
  clean: true,
  target: 'es2022',
});
