import assert from 'node:assert/strict';
import { test } from 'node:test';
import { deletesOf } from './delete-at-reboot.js';

test('deletesOf keeps the pairs with an empty destination, reads pairs by count, and drops the \\??\\ prefix', () => {
  assert.deepEqual(deletesOf(['\\??\\C:\\a.dll', '', '\\??\\C:\\b.tmp', '!\\??\\C:\\b.dll', '\\??\\C:\\c.dll', '']), ['C:\\a.dll', 'C:\\c.dll']);
  assert.deepEqual(deletesOf(['\\??\\Z:\\tmp\\gone.txt', '', '']), ['Z:\\tmp\\gone.txt']);
  assert.deepEqual(deletesOf(['\\??\\C:\\x', '\\??\\C:\\y']), []);
  assert.deepEqual(deletesOf([]), []);
});
