/**
 * @tessera/core/testing: the backend conformance suite, the reference backend it takes expected
 * values from, and a leak check for tests.
 */
export type { ConformanceCase, InputSpec } from './conformance/case.js';
export { conformanceCases } from './conformance/cases/index.js';
export { ConformanceFailure, checkCase, runConformance } from './conformance/runner.js';
export type { ConformanceReport } from './conformance/runner.js';
export { seededRandom } from './conformance/values.js';
export { expectNoLeaks } from './leaks.js';
export { ReferenceBackend, registerReferenceBackend } from './reference/backend.js';
