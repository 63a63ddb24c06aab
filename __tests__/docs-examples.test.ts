/**
 * The test files under examples/testing/ are the ones docs/testing.md and docs/stores.md quote for users' own suites;
 * importing them here registers their cases, so the quoted code runs in every `npm test`.
 */
import '../examples/testing/callbacks.test.js';
import '../examples/testing/fixtures.test.js';
import '../examples/testing/store.test.js';
