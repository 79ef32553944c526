// Unit tests of the entry path rules: safety, byte order, parents and collision folding.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isServicePackError } from '../errors/index.js';
import { checkEntryPath, comparePaths, foldPath, parentPath } from './paths.js';

function unsafeReason(path: string): string | undefined {
  try {
    checkEntryPath(path);
    return undefined;
  } catch (err) {
    assert.ok(isServicePackError(err, 'PACK_UNSAFE_PATH'), `expected PACK_UNSAFE_PATH, got ${String(err)}`);
    assert.equal(err.details.entry, path);
    return err.details.reason;
  }
}

test('checkEntryPath accepts ordinary relative paths', () => {
  for (const p of ['a', 'BIN/Mdbperf.dll', 'a/b/c.txt', '.hidden', 'a/.servicepack', 'x..y', 'dir/é', 'a b/c', 'a/c:d', 'x'.repeat(255)]) {
    assert.equal(unsafeReason(p), undefined, p);
  }
});

test('checkEntryPath rejects every unsafe form with PACK_UNSAFE_PATH', () => {
  const cases: [string, string][] = [
    ['', 'the path is empty'],
    ['/etc/passwd', 'the path is absolute'],
    ['a//b', 'the path has an empty component'],
    ['a/', 'the path has an empty component'],
    ['./a', "the path has a '.' component"],
    ['a/../../b', "the path has a '..' component"],
    ['..', "the path has a '..' component"],
    ['a\\b', 'the path contains a backslash'],
    ['a\0b', 'the path contains a NUL character'],
    ['C:/Windows', 'the first component contains a colon (drive letter)'],
    ['c:', 'the first component contains a colon (drive letter)'],
    ['.servicepack', "the path is servicepack's own .servicepack state directory or below it"],
    ['.servicepack/journal', "the path is servicepack's own .servicepack state directory or below it"],
    ['.ServicePack/x', "the path is servicepack's own .servicepack state directory or below it"],
    ['x'.repeat(256), 'a component is longer than 255 bytes'],
    ['é'.repeat(128), 'a component is longer than 255 bytes'],
    [Array.from({ length: 20 }, () => 'y'.repeat(250)).join('/'), 'the path is longer than 4096 bytes'],
    ['a\uD800b', 'the path is not valid Unicode'],
    ['\uDC00', 'the path is not valid Unicode'],
  ];
  for (const [path, reason] of cases) assert.equal(unsafeReason(path), reason, JSON.stringify(path));
});

test('comparePaths orders by UTF-8 bytes, also across surrogate pairs', () => {
  const paths = ['b', 'a', 'a/b', 'a-b', 'a.b', 'ab', 'A', '\uFFFD', '\u{1F600}', '\uE000', 'é', 'e', 'a/b/c', ''];
  const expected = [...paths].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));
  assert.deepEqual([...paths].sort(comparePaths), expected);
  assert.equal(comparePaths('\u{1F600}', '\uFFFD') > 0, true);
  assert.equal(comparePaths('same', 'same'), 0);
});

test('parentPath', () => {
  assert.equal(parentPath('a'), '');
  assert.equal(parentPath('a/b'), 'a');
  assert.equal(parentPath('a/b/c.txt'), 'a/b');
});

test('foldPath makes case and normalisation variants collide', () => {
  assert.equal(foldPath('README'), foldPath('readme'));
  assert.equal(foldPath('caf\u00e9'), foldPath('cafe\u0301'));
  assert.equal(foldPath('Stra\u00dfe'), foldPath('STRASSE'));
  assert.equal(foldPath('\u03a3'), foldPath('\u03c3'));
  assert.notEqual(foldPath('a'), foldPath('b'));
  assert.notEqual(foldPath('a/b'), foldPath('a-b'));
});
