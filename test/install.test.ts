// Install and uninstall against real trees: every kind of difference a pack carries lands exactly, and
// uninstall gives back the exact old tree; stacked packs undo in order; a repeated install is refused.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { installSync as install, statusSync as status, uninstallSync as uninstall, verifySync as verify } from '../src/index.js';
import { copyOf, expectCode, packFrom, treeOf, trusted } from './helpers/packs.js';
import { flatNew, flatOld, fullNew, fullOld } from './helpers/specs.js';
import { cleanupTempDirs, hashTree, type TreeSpec } from './helpers/tree.js';

const noSp = { exclude: ['.servicepack'] };

/** Installs old -> new onto a copy of old, checks the exact trees both ways; returns the install result. */
async function roundTrip(oldSpec: TreeSpec, newSpec: TreeSpec) {
  const { oldDir, newDir, pack } = await packFrom(oldSpec, newSpec);
  const target = copyOf(oldDir);
  const done = install(pack, { ...trusted, target });
  assert.deepEqual(treeOf(target), treeOf(newDir));
  assert.equal(hashTree(target, noSp), hashTree(newDir));
  assert.equal(verify({ target }).ok, true);
  assert.equal(uninstall({ target }).version, '1.0');
  assert.deepEqual(treeOf(target), treeOf(oldDir));
  assert.equal(hashTree(target, noSp), hashTree(oldDir));
  assert.equal(verify({ target }).ok, true);
  return done;
}

describe('install and uninstall', () => {
  after(cleanupTempDirs);

  it('turns the old tree into exactly the new one, and uninstall turns it back', async () => {
    const { oldDir, newDir, pack } = await packFrom(flatOld, flatNew);
    const target = copyOf(oldDir);

    const done = install(pack, { ...trusted, target });
    assert.deepEqual(treeOf(target), treeOf(newDir));
    assert.equal(hashTree(target, noSp), hashTree(newDir));
    assert.deepEqual(done.actions.map((a) => `${a.action} ${a.type} ${a.path} ${a.bytes}`), [
      'add file bin/added.txt 6',
      'change symlink bin/becomes-link 0',
      'add symlink bin/link-added 0',
      'change symlink bin/link-changed 0',
      'remove symlink bin/link-removed 0',
      'change file bin/script.sh 10',
      'change file bin/tool 16',
      'remove file docs/old.txt 0',
      'add dir empty-new 0',
    ]);
    assert.deepEqual(done.setAside, ['bin/becomes-link', 'bin/link-changed', 'bin/link-removed', 'bin/script.sh', 'bin/tool', 'docs/old.txt']);
    assert.equal(done.bytesWritten, 6 + 10 + 16);
    assert.deepEqual(done.keptDirectories, []);
    assert.deepEqual(done.recovered, { outcome: 'nothing-to-do' });

    const st = status({ target });
    assert.deepEqual([st.managed, st.product, st.version, st.pending, st.lockedBy], [true, 'acme', '2.0', null, null]);
    assert.deepEqual(st.history.map((h) => [h.txid, h.packId, h.fromVersion, h.toVersion]), [[done.txid, done.packId, '1.0', '2.0']]);
    assert.deepEqual(verify({ target }), {
      target, product: 'acme', version: '2.0', ok: true, checked: treeOf(newDir).length, modified: [], missing: [], unexpected: [], attributes: [],
    });

    const undone = uninstall({ target });
    assert.equal(undone.version, '1.0');
    assert.deepEqual(undone.removed, { packId: done.packId, fromVersion: '1.0', toVersion: '2.0', txid: done.txid });
    assert.deepEqual(treeOf(target), treeOf(oldDir));
    assert.equal(hashTree(target, noSp), hashTree(oldDir));
    const back = status({ target });
    assert.deepEqual([back.version, back.history, back.pending], ['1.0', [], null]);
    const v = verify({ target });
    assert.deepEqual([v.ok, v.version, v.modified, v.missing, v.unexpected], [true, '1.0', [], [], []]);
  });

  it('adds a file in a new nested directory', async () => {
    await roundTrip({ a: 'a\n', b: 'b\n' }, { a: 'a2\n', lib: { plugins: { 'new.so': 'new\n' } } });
  });

  it('removes a directory together with its files', async () => {
    await roundTrip({ a: 'a\n', retired: { 'x.txt': 'x\n', sub: { 'y.txt': 'y\n' } } }, { a: 'a2\n' });
  });

  it('turns a directory into a file', async () => {
    await roundTrip({ a: 'a\n', 'was-dir': { 'inner.txt': 'inner\n' } }, { a: 'a\n', 'was-dir': 'now a file\n' });
  });

  it('installs a pack that only adds files', async () => {
    await roundTrip({ a: 'a\n' }, { a: 'a\n', b: 'b\n' });
  });

  it('installs a pack that only removes files', async () => {
    await roundTrip({ a: 'a\n', b: 'b\n' }, { a: 'a\n' });
  });

  it('carries every kind of change at once, both ways', async () => {
    const done = await roundTrip(fullOld, fullNew);
    assert.deepEqual(done.actions.filter((a) => a.type === 'dir' || a.path.startsWith('was-dir')).map((a) => `${a.action} ${a.type} ${a.path}`), [
      'add dir empty-new', 'add dir lib', 'add dir lib/plugins', 'remove dir retired', 'remove dir retired/sub',
      'change file was-dir', 'remove file was-dir/inner.txt',
    ]);
  });

  it('keeps a file it does not know and verify names it as unexpected', async () => {
    const { oldDir, newDir, pack } = await packFrom(flatOld, flatNew);
    const target = copyOf(oldDir);
    writeFileSync(join(target, 'bin/local.cfg'), 'site-local\n');
    writeFileSync(join(target, 'notes.txt'), 'mine\n');
    const extra = treeOf(target).filter((l) => l.startsWith('bin/local.cfg ') || l.startsWith('notes.txt '));
    assert.equal(extra.length, 2);

    install(pack, { ...trusted, target });
    assert.deepEqual(treeOf(target), [...treeOf(newDir), ...extra].sort());
    const v = verify({ target });
    assert.deepEqual([v.ok, v.unexpected, v.modified, v.missing], [false, ['bin/local.cfg', 'notes.txt'], [], []]);

    uninstall({ target });
    assert.deepEqual(treeOf(target), [...treeOf(oldDir), ...extra].sort());
  });

  it('undoes stacked packs in order, back to the exact first tree', async () => {
    const v3: TreeSpec = { ...flatNew, bin: { ...(flatNew.bin as TreeSpec), tool: { content: 'tool v3\n', mode: 0o755 }, 'v3.txt': 'three\n' } };
    const first = await packFrom(flatOld, flatNew, { from: '1.0', to: '2.0' });
    const second = await packFrom(flatNew, v3, { from: '2.0', to: '3.0' });
    const target = copyOf(first.oldDir);

    install(first.pack, { ...trusted, target });
    install(second.pack, { ...trusted, target });
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
    assert.equal(hashTree(target, noSp), hashTree(first.oldDir));
  });

  it('installing the same pack twice: already installed, nothing changes', async () => {
    const { oldDir, newDir, pack } = await packFrom(flatOld, flatNew);
    const target = copyOf(oldDir);
    const first = install(pack, { ...trusted, target });
    const state = readFileSync(join(target, '.servicepack/state.json'), 'utf8');
    const again = install(pack, { ...trusted, target });
    assert.deepEqual([again.alreadyInstalled, again.txid, again.actions, again.hooks, again.bytesWritten], [true, first.txid, [], [], 0]);
    assert.equal(readFileSync(join(target, '.servicepack/state.json'), 'utf8'), state);
    assert.deepEqual(treeOf(target), treeOf(newDir));
    assert.equal(status({ target }).history.length, 1);
  });
});
