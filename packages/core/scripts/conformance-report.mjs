// Prints the conformance suite's size and coverage per op, after running it on a backend
// (default: the reference). Usage: node scripts/conformance-report.mjs [backend] (after `pnpm build`).
import { conformanceCases, registerReferenceBackend, runConformance } from '@tessera/core/testing';

const backend = process.argv[2] ?? registerReferenceBackend();
registerReferenceBackend();
const report = await runConformance(backend, conformanceCases);
const gradChecked = new Map();
for (const c of conformanceCases) if (c.gradWrt) gradChecked.set(c.op, (gradChecked.get(c.op) ?? 0) + 1);

const rows = Object.entries(report.casesPerOp).sort(([a], [b]) => a.localeCompare(b));
console.log(`| op | cases | with gradient check |\n| --- | ---: | ---: |`);
for (const [op, n] of rows) console.log(`| ${op} | ${n} | ${gradChecked.get(op) ?? 0} |`);
console.log(`\nbackend '${report.backend}': ${report.total} cases over ${rows.length} ops`);
for (const f of report.failures) console.log(`FAILED ${f.name}: ${f.message}`);
console.log(`${report.passed} passed, ${report.failures.length} failed`);
process.exitCode = report.failures.length === 0 ? 0 : 1;
