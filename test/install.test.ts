// Install and uninstall against real trees: every kind of difference a pack carries lands exactly, and
// uninstall gives back the exact old tree; stacked packs undo in order; a repeated install is refused.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { install, status, uninstall, verify } from '../src/index.js';
import { copyOf, expectCode, packFrom, treeOf } from './helpers/packs.js';
import { cleanupTempDirs, hashTree, type TreeSpec } from './helpers/tree.js';

export const oldSpec: TreeSpec = {
  bin: {
    tool: { content: 'tool v1\n', mode: 0o755 },
    'script.sh': 'echo same\n',
    'link-changed': { symlink: 'tool' },
    'link-removed': { symlink: 'tool' },
    'becomes-link': 'a plain file\n',
    'same.txt': 'unchanged\n',
  },
  docs: { 'old.txt': 'removed file\n' },
  retired: { 'a.txt': 'retired a\n', sub: { 'b.txt': 'retired b\n' } },
  'was-dir': { 'inner.txt': 'inner\n' },
  'kept-empty': {},
};

export const newSpec: TreeSpec = {
  bin: {
    tool: { content: 'tool v2, longer\n', mode: 0o755 },
    'script.sh': { content: 'echo same\n', mode: 0o755 },
    'link-changed': { symlink: 'script.sh' },
    'link-added': { symlink: '../lib/plugins/new.so' },
    'becomes-link': { symlink: 'tool' },
    'same.txt': 'unchanged\n',
  },
  docs: {},
  lib: { plugins: { 'new.so': 'new plugin\n' } },
  'empty-new': {},
  'was-dir': 'now a file\n',
  'kept-empty': {},
};

const noSp = { exclude: ['.servicepack'] };

describe('install and uninstall', () => {
  after(cleanupTempDirs);

  it('turns the old tree into exactly the new one, and uninstall turns it back', async () => {
    const { oldDir, newDir, pack } = await packFrom(oldSpec, newSpec);
    const target = copyOf(oldDir);

    const done = install(pack, { target });
    assert.deepEqual(treeOf(target), treeOf(newDir));
    assert.equal(hashTree(target, noSp), hashTree(newDir));
    assert.deepEqual(done.actions.map((a) => `${a.action} ${a.type} ${a.path}`), [
      'change file bin/becomes-link'.replace('file', 'symlink'),
      'add symlink bin/link-added',
      'change symlink bin/link-changed',
      'remove symlink bin/link-removed',
      'change file bin/script.sh',
      'change file bin/tool',
      'remove file docs/old.txt',
      'add dir empty-new',
      'add dir lib',
      'add dir lib/plugins',
      'add file lib/plugins/new.so',
      'remove dir retired',
      'remove file retired/a.txt',
      'remove dir retired/sub',
      'remove file retired/sub/b.txt',
      'change file was-dir',
      'remove file was-dir/inner.txt',
    ]);
    assert.deepEqual(done.setAside, [
      'bin/becomes-link', 'bin/link-changed', 'bin/link-removed', 'bin/script.sh', 'bin/tool', 'docs/old.txt',
      'retired/a.txt', 'retired/sub/b.txt', 'was-dir/inner.txt',
    ]);
    assert.deepEqual(done.keptDirectories, []);
    assert.deepEqual(done.recovered, { outcome: 'nothing-to-do' });

    const st = status({ target });
    assert.equal(st.product, 'acme');
    assert.equal(st.version, '2.0');
    assert.equal(st.managed, true);
    assert.equal(st.pending, null);
    assert.equal(st.lockedBy, null);
    assert.deepEqual(st.history.map((h) => [h.txid, h.packId, h.fromVersion, h.toVersion]), [[done.txid, done.packId, '1.0', '2.0']]);
    assert.deepEqual({ ...verify({ target }), checked: 0 }, { target, product: 'acme', version: '2.0', ok: true, checked: 0, modified: [], missing: [], unexpected: [] });

    const undone = uninstall({ target });
    assert.equal(undone.version, '1.0');
    assert.deepEqual(undone.removed, { packId: done.packId, fromVersion: '1.0', toVersion: '2.0', txid: done.txid });
    assert.deepEqual(treeOf(target), treeOf(oldDir));
    assert.equal(hashTree(target, noSp), hashTree(oldDir));
    const after1 = status({ target });
    assert.equal(after1.version, '1.0');
    assert.deepEqual(after1.history, []);
    const v = verify({ target });
    assert.equal(v.ok, true, JSON.stringify(v));
    assert.equal(v.version, '1.0');
  });

  it('checks every path of the new tree in verify', async () => {
    const { oldDir, newDir, pack } = await packFrom(oldSpec, newSpec);
    const target = copyOf(oldDir);
    install(pack, { target });
    assert.equal(verify({ target }).checked, treeOf(newDir).length);
  });

  it('keeps a file it does not know and verify names it as unexpected', async () => {
    const { oldDir, newDir, pack } = await packFrom(oldSpec, newSpec);
    const target = copyOf(oldDir);
    writeFileSync(join(target, 'bin/local.cfg'), 'site-local\n');
    writeFileSync(join(target, 'notes.txt'), 'mine\n');
    install(pack, { target });
    const extra = treeOf(target).filter((l) => l.startsWith('bin/local.cfg ') || l.startsWith('notes.txt '));
    assert.equal(extra.length, 2);
    assert.deepEqual(treeOf(target), [...treeOf(newDir), ...extra].sort());
    const v = verify({ target });
    assert.equal(v.ok, false);
    assert.deepEqual(v.unexpected, ['bin/local.cfg', 'notes.txt']);
    assert.deepEqual(v.modified, []);
    assert.deepEqual(v.missing, []);

    uninstall({ target });
    assert.deepEqual(treeOf(target), [...treeOf(oldDir), ...extra].sort());
  });

  it('undoes stacked packs in order, back to the exact first tree', async () => {
    const v3: TreeSpec = { ...newSpec, bin: { ...(newSpec.bin as TreeSpec), tool: { content: 'tool v3\n', mode: 0o755 } }, 'v3.txt': 'three\n' };
    const first = await packFrom(oldSpec, newSpec, { from: '1.0', to: '2.0' });
    const second = await packFrom(newSpec, v3, { from: '2.0', to: '3.0' });
    const target = copyOf(first.oldDir);

    install(first.pack, { target });
    install(second.pack, { target });
    assert.deepEqual(treeOf(target), treeOf(second.newDir));
    assert.deepEqual(status({ target }).history.map((h) => `${h.fromVersion}->${h.toVersion}`), ['1.0->2.0', '2.0->3.0']);
    assert.equal(verify({ target }).ok, true);

    assert.equal(uninstall({ target }).version, '2.0');
    assert.deepEqual(treeOf(target), treeOf(first.newDir));
    assert.equal(verify({ target }).ok, true);
    assert.equal(uninstall({ target }).version, '1.0');
    assert.equal(hashTree(target, noSp), hashTree(first.oldDir));
    assert.deepEqual(status({ target }).history, []);
    expectCode('NOTHING_TO_UNINSTALL', () => uninstall({ target }));
  });

  it('refuses to install the same pack twice', async () => {
    const { oldDir, newDir, pack } = await packFrom(oldSpec, newSpec);
    const target = copyOf(oldDir);
    install(pack, { target });
    const err = expectCode('VERSION_MISMATCH', () => install(pack, { target }));
    assert.deepEqual(err.details, { target, installed: '2.0', expected: '1.0' });
    assert.deepEqual(treeOf(target), treeOf(newDir));
    assert.equal(status({ target }).history.length, 1);
  });
});
