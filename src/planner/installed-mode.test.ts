import assert from 'node:assert/strict';
import { test } from 'node:test';
import { commonMode, installedMode } from './installed-mode.js';

test('a replaced file keeps its narrower read and write bits', () => {
  assert.equal(installedMode('file', 0o644, 0o600), 0o600);
  assert.equal(installedMode('file', 0o640, 0o604), 0o600);
  assert.equal(installedMode('file', 0o600, 0o644), 0o600);
});

test('execute follows the release, for classes that may read the file or could execute the old one', () => {
  assert.equal(installedMode('file', 0o755, 0o600), 0o700);
  assert.equal(installedMode('file', 0o755, 0o644), 0o755);
  assert.equal(installedMode('file', 0o711, 0o711), 0o711);
  assert.equal(installedMode('file', 0o644, 0o755), 0o644);
  assert.equal(installedMode('file', 0o755, 0o640), 0o750);
});

test('setuid and setgid need both sides; sticky is kept from either', () => {
  assert.equal(installedMode('file', 0o4755, 0o755), 0o755);
  assert.equal(installedMode('file', 0o4755, 0o4755), 0o4755);
  assert.equal(installedMode('file', 0o2755, 0o4755), 0o755);
  assert.equal(installedMode('dir', 0o755, 0o1777), 0o1755);
});

test('directories intersect every bit; nothing replaced means the release mode', () => {
  assert.equal(installedMode('dir', 0o755, 0o700), 0o700);
  assert.equal(installedMode('dir', 0o711, 0o755), 0o711);
  assert.equal(installedMode('file', 0o4750, undefined), 0o4750);
});

test('a hard-link group gets the bits all of its names allow', () => {
  assert.equal(commonMode([0o755, 0o700, 0o750]), 0o700);
  assert.equal(commonMode([0o1755, 0o755]), 0o1755);
});
