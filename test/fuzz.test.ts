// A fixed-seed slice of the fuzzer (`npm run fuzz` runs 100,000 cases): every mutated pack ends in
// success or a coded error, quickly, with the target and the directory beside it untouched.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runFuzz } from '../bench/fuzz/run-fuzz.js';

test('2,000 fuzz cases (seed 20250101): only successes and coded errors, nothing written outside staging', async () => {
  // The bound catches a hang, not slowness: CI machines may be busy, so it is generous here.
  const report = await runFuzz({ cases: 2000, seed: 20250101, maxCaseMs: 30000 });
  assert.deepEqual(report.failures, []);
  assert.equal(Object.values(report.outcomes).reduce((a, b) => a + b, 0), 2000);
  // The mix must reach past the signature into the manifest rules, the decoder and real installs.
  for (const outcome of ['installed', 'PACK_INVALID', 'PACK_CORRUPT', 'SIGNATURE_INVALID', 'BASE_MISMATCH']) {
    assert.ok((report.outcomes[outcome] ?? 0) > 0, `no case ended in ${outcome}: ${JSON.stringify(report.outcomes)}`);
  }
});
