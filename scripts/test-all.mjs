// Runs every package's build, typecheck, lint and test through turbo, then sums the vitest JSON
// reports each package writes to test-results/vitest.json into one pass/fail line. A package with a
// test script but no report (its test task failed before vitest wrote one) counts as a failure, so
// the summary can never say "all passed" about tests that did not run.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const reportPath = (dir) => join(dir, 'test-results', 'vitest.json');

function workspacePackages() {
  const dirs = [join(root, 'examples')];
  for (const group of ['packages', 'apps', 'tests']) {
    const groupDir = join(root, group);
    if (!existsSync(groupDir)) continue;
    for (const name of readdirSync(groupDir)) dirs.push(join(groupDir, name));
  }
  return dirs
    .filter((dir) => existsSync(join(dir, 'package.json')))
    .map((dir) => ({ dir, manifest: JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) }))
    .filter(({ manifest }) => manifest.scripts?.test);
}

const packages = workspacePackages();
// Stale reports from an earlier run must not be counted; turbo restores fresh ones on a cache hit.
for (const { dir } of packages) rmSync(join(dir, 'test-results'), { recursive: true, force: true });

const turbo = spawnSync('turbo', ['run', 'build', 'typecheck', 'lint', 'lint:root', 'test', '--continue', ...process.argv.slice(2)], {
  cwd: root,
  stdio: 'inherit',
  shell: process.platform === 'win32',
});

let passed = 0;
let failed = 0;
let skipped = 0;
const rows = [];
const missing = [];
for (const { dir, manifest } of packages) {
  const file = reportPath(dir);
  if (!existsSync(file)) {
    missing.push(manifest.name);
    rows.push(`  ${manifest.name.padEnd(28)} no test report (its test task did not complete)`);
    continue;
  }
  const report = JSON.parse(readFileSync(file, 'utf8'));
  passed += report.numPassedTests;
  failed += report.numFailedTests;
  skipped += report.numPendingTests + report.numTodoTests;
  const files = report.testResults.length;
  rows.push(
    `  ${manifest.name.padEnd(28)} ${String(report.numPassedTests).padStart(5)} passed, ${report.numFailedTests} failed` +
      (files === 0 ? '  (no test files yet)' : `  (${files} files, ${relative(root, file)})`),
  );
}

const ok = turbo.status === 0 && failed === 0 && missing.length === 0;
console.log('\nTest summary');
console.log(rows.join('\n'));
console.log(`\n${passed} passed, ${failed} failed, ${skipped} skipped across ${packages.length} packages`);
if (turbo.status !== 0) console.log(`turbo exited with ${turbo.status ?? turbo.signal}: a build, typecheck, lint or test task failed (see above)`);
if (missing.length > 0) console.log(`missing test reports: ${missing.join(', ')}`);
console.log(ok ? 'RESULT: PASS' : 'RESULT: FAIL');
process.exit(ok ? 0 : 1);
