// The tree helper sees every difference a service pack must get right: content, exec bit, link target, empty dirs.
import assert from 'node:assert/strict';
import { chmodSync, lstatSync, readlinkSync, rmdirSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, beforeEach, describe, it } from 'node:test';
import { cleanupTempDirs, describeTree, hashTree, makeTree, sha256OfFile, type TreeSpec } from './tree.js';

const spec: TreeSpec = {
  bin: {
    'tool': { content: '#!/bin/sh\necho hi\n', mode: 0o755 },
    'lib.so': Buffer.from([0x7f, 0x45, 0x4c, 0x46]),
    'tool-link': { symlink: 'tool' },
  },
  'README.txt': 'hello\n',
  data: {},
};

describe('tree helper', () => {
  let root = '';
  let base = '';
  beforeEach(() => {
    root = makeTree(spec);
    base = hashTree(root);
  });
  after(cleanupTempDirs);

  it('builds the tree as described, without following links', () => {
    assert.equal(lstatSync(join(root, 'bin/tool')).mode & 0o777, 0o755);
    assert.equal(lstatSync(join(root, 'README.txt')).mode & 0o777, 0o644);
    assert.equal(readlinkSync(join(root, 'bin/tool-link')), 'tool');
    assert.deepEqual(describeTree(root), [
      'README.txt file 0644 5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03',
      'bin dir',
      `bin/lib.so file 0644 ${sha256OfFile(join(root, 'bin/lib.so'))}`,
      `bin/tool file 0755 ${sha256OfFile(join(root, 'bin/tool'))}`,
      'bin/tool-link symlink tool',
      'data dir',
    ]);
  });

  it('is stable for equal trees', () => {
    assert.equal(hashTree(makeTree(spec)), base);
  });

  it('changes when content changes', () => {
    writeFileSync(join(root, 'README.txt'), 'hello!\n');
    assert.notEqual(hashTree(root), base);
  });

  it('changes when the exec bit changes', () => {
    chmodSync(join(root, 'bin/tool'), 0o644);
    assert.notEqual(hashTree(root), base);
  });

  it('changes when a symlink target changes', () => {
    unlinkSync(join(root, 'bin/tool-link'));
    symlinkSync('lib.so', join(root, 'bin/tool-link'));
    assert.notEqual(hashTree(root), base);
  });

  it('changes when an empty dir goes away', () => {
    rmdirSync(join(root, 'data'));
    assert.notEqual(hashTree(root), base);
  });

  it('leaves out excluded paths and everything under them', () => {
    writeFileSync(join(root, 'data/state.json'), '{}');
    assert.notEqual(hashTree(root), base);
    assert.deepEqual(describeTree(root, { exclude: ['data'] }), describeTree(makeTree(spec), { exclude: ['data'] }));
  });
});
