// A fixed-seed slice of the metadata fuzzer (`npm run fuzz:metadata` runs 20,000 cases): mutated
// repository metadata and channel files end in success or a coded error, and no change to a signed
// part is ever accepted.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runMetadataFuzz } from '../bench/fuzz/run-metadata-fuzz.js';

test('500 metadata fuzz cases (seed 20261129): only successes and coded errors, no altered signed part accepted', async () => {
  const report = await runMetadataFuzz({ cases: 500, seed: 20261129 });
  assert.deepEqual(report.failures, []);
  for (const outcome of ['METADATA_INVALID', 'channel-refused']) assert.ok((report.outcomes[outcome] ?? 0) > 0, JSON.stringify(report.outcomes));
});
