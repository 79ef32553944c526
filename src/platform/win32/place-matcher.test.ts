// Win32 paths in a directory, compared without case, long-path prefixes and trailing backslashes ignored.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { placeMatcher } from './place-matcher.js';

test('a path is in the directory itself or below it, whatever its case or long-path prefix; the path is given back plain', () => {
  const under = placeMatcher('Z:\\srv\\App');
  assert.equal(under('Z:\\srv\\App'), 'Z:\\srv\\App');
  assert.equal(under('z:\\SRV\\app\\'), 'z:\\SRV\\app');
  assert.equal(under('\\\\?\\Z:\\srv\\App\\bin\\host.exe'), 'Z:\\srv\\App\\bin\\host.exe');
  assert.equal(under('Z:/srv/App/bin/'), 'Z:\\srv\\App\\bin');
});

test('a sibling whose name starts with the directory\'s, a parent and another drive are not in it', () => {
  const under = placeMatcher('Z:\\srv\\App\\');
  assert.equal(under('Z:\\srv\\App2\\host.exe'), undefined);
  assert.equal(under('Z:\\srv'), undefined);
  assert.equal(under('C:\\srv\\App\\host.exe'), undefined);
});

test('a drive\'s root holds every path on that drive', () => {
  const under = placeMatcher('Z:\\');
  assert.equal(under('Z:\\'), 'Z:\\');
  assert.equal(under('z:\\tmp\\x.exe'), 'z:\\tmp\\x.exe');
  assert.equal(under('C:\\tmp'), undefined);
});
