// @ts-check
// Sums jest's JSON results (test-results/*.json, one per tier) into the one line CI reads:
//   N passed, N failed
// A run that failed before any test could report (type errors, lint) counts as one failure.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const [dir = 'test-results', exitCode = '0'] = process.argv.slice(2);
let passed = 0;
let failed = 0;
const files = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.json')) : [];
for (const file of files) {
  /** @type {unknown} */
  const parsed = JSON.parse(readFileSync(join(dir, file), 'utf8'));
  const result = /** @type {{ numPassedTests?: unknown, numFailedTests: number, numRuntimeErrorTestSuites?: number }} */ (parsed);
  // Only jest's results (a tier's --outputFile); tests may leave other JSON there (an exported trace).
  if (typeof result.numPassedTests !== 'number') continue;
  passed += result.numPassedTests;
  // Suites that failed to run at all (syntax error, failing beforeAll) report no failed tests.
  failed += result.numFailedTests + (result.numRuntimeErrorTestSuites ?? 0);
  console.log(`${file.replace('.json', '').padEnd(6)} ${result.numPassedTests} passed, ${result.numFailedTests} failed`);
}
if (exitCode !== '0' && failed === 0) failed = 1;
console.log(`${passed} passed, ${failed} failed`);
