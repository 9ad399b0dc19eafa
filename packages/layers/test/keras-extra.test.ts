import { describeExtraCases } from './fixture-suites.js';
import { TEST_BACKEND } from './helpers.js';

// Cases from fixtures/generate_extra.py (real Keras 3): paths the main fixtures do not reach, on the
// reference backend (or the one TESSERA_TEST_BACKEND names).

describeExtraCases(TEST_BACKEND);
