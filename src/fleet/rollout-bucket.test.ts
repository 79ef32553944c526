import assert from 'node:assert/strict';
import { test } from 'node:test';
import { admitted, rolloutBucket } from './rollout-bucket.js';

test('a machine keeps its bucket within a rollout; a new rollout or product reshuffles', () => {
  const b = rolloutBucket('acme', '2.0@t1', 'machine-1');
  assert.equal(rolloutBucket('acme', '2.0@t1', 'machine-1'), b);
  assert.ok(b >= 0 && b < 100);
  const ids = Array.from({ length: 50 }, (_, i) => `m${i}`);
  const r1 = ids.map((id) => rolloutBucket('acme', '2.0@t1', id));
  assert.notDeepEqual(r1, ids.map((id) => rolloutBucket('acme', '2.0@t2', id)));
  assert.notDeepEqual(r1, ids.map((id) => rolloutBucket('other', '2.0@t1', id)));
});

test('buckets spread evenly: about 10% of 10,000 machines under 10', () => {
  let under = 0;
  for (let i = 0; i < 10_000; i++) if (admitted(rolloutBucket('acme', 'r', `machine-${i}`), 10)) under++;
  assert.ok(under > 900 && under < 1100, `${under}`);
});

test('0% admits none and 100% admits all', () => {
  for (const b of [0, 0.001, 50, 99.999]) {
    assert.equal(admitted(b, 0), false);
    assert.equal(admitted(b, 100), true);
  }
});
