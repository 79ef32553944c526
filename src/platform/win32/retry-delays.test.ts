import assert from 'node:assert/strict';
import { it } from 'node:test';
import { retryDelays } from './win32-platform.js';

it('retry delays double from 200 ms, at most 1 s each, and add up to the total wait', () => {
  assert.deepEqual(retryDelays(3400), [200, 400, 800, 1000, 1000]);
  assert.deepEqual(retryDelays(600), [200, 400]);
  assert.deepEqual(retryDelays(300), [200, 100]);
  assert.deepEqual(retryDelays(5000), [200, 400, 800, 1000, 1000, 1000, 600]);
  assert.deepEqual(retryDelays(0), []);
});
