import { describeExtraCases, describeKerasFixtures, describeTracedFixtures } from './fixture-suites.js';

// The same Keras golden fixtures on the default backend users run, eagerly and traced, so a
// layer matching Keras on the reference backend but not on WebAssembly cannot slip through.

describeKerasFixtures('wasm');
describeExtraCases('wasm');
describeTracedFixtures('wasm');
