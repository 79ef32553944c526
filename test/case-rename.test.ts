// A case-only rename between releases (README -> readme, Docs/ -> docs/) is two distinct paths on Linux:
// build carries it, install and uninstall swap exactly; two paths that collide within one tree are
// still refused.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { build, installSync as install, uninstallSync as uninstall, verifySync as verify } from '../src/index.js';
import { copyOf, expectRejection, packFrom, testKey, treeOf, trusted } from './helpers/packs.js';
import { cleanupTempDirs, makeTree, tempDir, type TreeSpec } from './helpers/tree.js';

const oldSpec: TreeSpec = { README: 'read me\n', Docs: { 'guide.txt': 'guide\n' }, bin: { tool: 'tool v1\n' } };
const newSpec: TreeSpec = { readme: 'read me, v2\n', docs: { 'guide.txt': 'guide\n' }, bin: { tool: 'tool v2\n' } };

describe('case-only renames', () => {
  after(cleanupTempDirs);

  it('build carries README -> readme and Docs/ -> docs/; install and uninstall give exactly each tree', async () => {
    const { oldDir, newDir, pack } = await packFrom(oldSpec, newSpec);
    const target = copyOf(oldDir);
    const r = install(pack, { ...trusted, target });
    assert.deepEqual(r.actions.map((a) => `${a.action} ${a.path}`), [
      'remove Docs', 'remove Docs/guide.txt', 'remove README', 'change bin/tool', 'add docs', 'add docs/guide.txt', 'add readme',
    ]);
    assert.deepEqual(treeOf(target), treeOf(newDir));
    assert.equal(verify({ target }).ok, true);
    uninstall({ target });
    assert.deepEqual(treeOf(target), treeOf(oldDir));
  });

  it('two paths of one tree that differ only in case are still refused', async () => {
    const out = join(tempDir('case'), 'sp.svp');
    const err = await expectRejection('BUILD_INPUT', () => build({
      oldDir: makeTree(oldSpec), newDir: makeTree({ ...newSpec, README: 'both\n' }), out, fromVersion: '1', toVersion: '2', sign: testKey.key,
    }));
    assert.match(err.details.reason, /collides with "README" of the same tree/);
  });
});
