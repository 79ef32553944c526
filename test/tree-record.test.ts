// Packs and installs that scale with the change, not the tree (docs/format.md "Tree commitments",
// docs/journal.md "The tree record"): the manifest lists only what changes, a first install checks the
// whole target against the base tree's commitment once, and the records an install writes stay the
// size of the change while verify still knows every file of the tree.
import assert from 'node:assert/strict';
import { readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { installSync as install, statusSync as status, uninstallSync as uninstall, verifySync as verify } from '../src/index.js';
import { openPack } from '../src/format/index.js';
import { copyOf, expectCode, packFrom, treeOf, trusted } from './helpers/packs.js';
import { cleanupTempDirs, hashTree, type TreeSpec } from './helpers/tree.js';

const noSp = { exclude: ['.servicepack'] };

/** `dirs` directories of `perDir` files, plus `app/main.txt` that the packs below change. */
function wide(dirs: number, perDir: number, main = 'main v1\n'): TreeSpec {
  const spec: TreeSpec = { app: { 'main.txt': main, 'cfg.txt': 'cfg\n' } };
  for (let d = 0; d < dirs; d++) {
    const files: TreeSpec = {};
    for (let f = 0; f < perDir; f++) files[`f${f}.txt`] = `file ${d}/${f}\n`;
    spec[`d${d}`] = files;
  }
  return spec;
}

const manifestOf = (pack: string) => {
  const reader = openPack(pack);
  try {
    return { manifest: reader.manifest, bytes: reader.manifestBytes.length };
  } finally {
    reader.close();
  }
};

describe('packs and installs proportional to the change', () => {
  after(cleanupTempDirs);

  it('the manifest lists only what changes and the directories above it, whatever the tree size', async () => {
    const small = await packFrom(wide(2, 5), wide(2, 5, 'main v2\n'));
    const large = await packFrom(wide(40, 50), wide(40, 50, 'main v2\n'));
    for (const { pack } of [small, large]) {
      assert.deepEqual(manifestOf(pack).manifest.entries.map((e) => `${e.action} ${e.path}`), ['keep app', 'change app/main.txt']);
    }
    const s = manifestOf(small.pack);
    const l = manifestOf(large.pack);
    assert.deepEqual([s.manifest.baseTree!.nodes, l.manifest.baseTree!.nodes], [15, 2043]);
    assert.deepEqual([s.manifest.resultTree!.nodes, l.manifest.resultTree!.nodes], [15, 2043]);
    // 2,030 more unchanged files cost only the larger sketch of the base tree (at most 10,752 bytes, in base64).
    assert.ok(l.bytes - s.bytes < 14_400, `${l.bytes} - ${s.bytes} manifest bytes`);
    assert.ok(statSync(large.pack).size < 16_384, `${statSync(large.pack).size} bytes`);
  });

  it('a first install refuses a target whose unchanged file is not the base version, naming it', async () => {
    const { oldDir, pack } = await packFrom(wide(3, 4), wide(3, 4, 'main v2\n'));
    const target = copyOf(oldDir);
    writeFileSync(join(target, 'd1/f2.txt'), 'edited on site\n');
    const before = hashTree(target);
    const err = expectCode('BASE_MISMATCH', () => install(pack, { ...trusted, target }));
    assert.deepEqual(err.details.mismatches.map((m) => [m.path, m.expected, m.actual]), [['d1/f2.txt', 'as in version 1.0', '65e85a376133b0172a9cec26d2cf4f74512352fc35218898b7a6acb2674a832c']]);
    assert.equal(hashTree(target), before);
    assert.equal(status({ target }).managed, false);
  });

  it('a first install refuses a target missing an unchanged file of the base', async () => {
    const { oldDir, pack } = await packFrom(wide(3, 4), wide(3, 4, 'main v2\n'));
    const target = copyOf(oldDir);
    rmSync(join(target, 'd2/f0.txt'));
    const err = expectCode('BASE_MISMATCH', () => install(pack, { ...trusted, target }));
    assert.equal(err.details.mismatches.length, 1);
    assert.equal(err.details.mismatches[0]!.path, '.');
    assert.match(err.details.mismatches[0]!.actual, /^1 of its paths missing$/);
    assert.equal(status({ target }).managed, false);
  });

  it('a first install refuses a target that differs from the base in more places than the sketch can name, saying so', async () => {
    const { oldDir, pack } = await packFrom(wide(4, 40), wide(4, 40, 'main v2\n'));
    const target = copyOf(oldDir);
    for (let d = 0; d < 4; d++) for (let f = 0; f < 40; f++) writeFileSync(join(target, `d${d}/f${f}.txt`), `edited ${d}/${f}\n`);
    const before = hashTree(target);
    const err = expectCode('BASE_MISMATCH', () => install(pack, { ...trusted, target }));
    assert.deepEqual(err.details.mismatches.map((m) => [m.path, m.actual]), [['.', '167 nodes, which differ from it in more places than the pack can name']]);
    assert.equal(hashTree(target), before);
    assert.equal(status({ target }).managed, false);
  });

  it('a managed target whose recorded tree is not the base of the pack is refused, though the paths it touches agree', async () => {
    const first = await packFrom(wide(2, 3), wide(2, 3, 'main v2\n'), { from: '1.0', to: '2.0' });
    // Built from another 2.0: the same main.txt, but another unchanged file.
    const otherBase = { ...wide(2, 3, 'main v2\n'), d0: { 'f0.txt': 'another 2.0\n', 'f1.txt': 'file 0/1\n', 'f2.txt': 'file 0/2\n' } };
    const second = await packFrom(otherBase, { ...otherBase, app: { 'main.txt': 'main v3\n', 'cfg.txt': 'cfg\n' } }, { from: '2.0', to: '3.0' });
    const target = copyOf(first.oldDir);
    install(first.pack, { ...trusted, target });
    const err = expectCode('BASE_MISMATCH', () => install(second.pack, { ...trusted, target }));
    assert.deepEqual(err.details.mismatches.map((m) => m.path), ['.']);
    assert.match(err.details.mismatches[0]!.actual, /as servicepack recorded it$/);
    assert.equal(status({ target }).version, '2.0');
  });

  it('state.json and each backup record hold the change, not the tree; verify still knows every file; uninstall restores the record', async () => {
    const v1 = wide(20, 50);
    const v2 = { ...wide(20, 50, 'main v2\n'), d3: { ...(wide(20, 50).d3 as TreeSpec), 'new.txt': 'added in 2\n' } };
    const v3 = { ...v2, app: { 'main.txt': 'main v3\n', 'cfg.txt': 'cfg\n' } };
    const first = await packFrom(v1, v2, { from: '1.0', to: '2.0' });
    const second = await packFrom(v2, v3, { from: '2.0', to: '3.0' });
    const target = copyOf(first.oldDir);
    const sp = join(target, '.servicepack');
    const one = install(first.pack, { ...trusted, target });
    const stateAt2 = JSON.parse(readFileSync(join(sp, 'state.json'), 'utf8'));
    const two = install(second.pack, { ...trusted, target });
    for (const file of ['state.json', `backup/${one.txid}/record.json`, `backup/${two.txid}/record.json`]) {
      const size = statSync(join(sp, file)).size;
      assert.ok(size < 4096, `${file} is ${size} bytes for a tree of 1,000 files`);
    }
    assert.deepEqual(readFileSync(join(sp, 'state.json'), 'utf8').includes('d7/f7.txt'), false);

    writeFileSync(join(target, 'd5/f5.txt'), 'edited\n');
    rmSync(join(target, 'd9/f9.txt'));
    writeFileSync(join(target, 'd11/extra.txt'), 'mine\n');
    const v = verify({ target });
    assert.deepEqual([v.ok, v.checked, v.modified.map((m) => m.path), v.missing, v.unexpected], [false, 1024, ['d5/f5.txt'], ['d9/f9.txt'], ['d11/extra.txt']]);
    writeFileSync(join(target, 'd5/f5.txt'), 'file 5/5\n');
    writeFileSync(join(target, 'd9/f9.txt'), 'file 9/9\n');
    rmSync(join(target, 'd11/extra.txt'));
    assert.equal(verify({ target }).ok, true);

    uninstall({ target });
    assert.equal(hashTree(target, noSp), hashTree(second.oldDir));
    const { lastTransaction: _a, ...now } = JSON.parse(readFileSync(join(sp, 'state.json'), 'utf8'));
    const { lastTransaction: _b, ...then } = stateAt2;
    assert.deepEqual(now, then);
    assert.deepEqual([verify({ target }).ok, verify({ target }).checked], [true, 1024]);
    uninstall({ target });
    assert.deepEqual(treeOf(target), treeOf(first.oldDir));
    assert.deepEqual([verify({ target }).ok, verify({ target }).version, verify({ target }).checked], [true, '1.0', 1023]);
  });

  it('a state that holds the whole tree inline (state version 1) is read, and the next install moves it to the listing', async () => {
    const first = await packFrom(wide(2, 3), wide(2, 3, 'main v2\n'), { from: '1.0', to: '2.0' });
    const second = await packFrom(wide(2, 3, 'main v2\n'), wide(2, 3, 'main v3\n'), { from: '2.0', to: '3.0' });
    const target = copyOf(first.oldDir);
    const sp = join(target, '.servicepack');
    const one = install(first.pack, { ...trusted, target });
    // Rewrite the state as a version-1 state: the whole tree inline, no listing.
    const state = JSON.parse(readFileSync(join(sp, 'state.json'), 'utf8'));
    const files: Record<string, unknown> = {};
    for (const line of treeOf(target)) {
      const [path, type, , sha256] = line.split(' ');
      const st = statSync(join(target, path!));
      files[path!] = type === 'dir' ? { type, mode: st.mode & 0o7777 } : { type, sha256, size: st.size, mode: st.mode & 0o7777 };
    }
    writeFileSync(join(sp, 'state.json'), JSON.stringify({ stateVersion: 1, product: state.product, version: state.version, lastTransaction: state.lastTransaction, history: state.history, files }));
    rmSync(join(sp, 'tree', `${one.txid}.json`));
    assert.equal(verify({ target }).ok, true);
    const two = install(second.pack, { ...trusted, target });
    assert.equal(JSON.parse(readFileSync(join(sp, 'state.json'), 'utf8')).record.listing, two.txid);
    assert.deepEqual([verify({ target }).ok, verify({ target }).version], [true, '3.0']);
    uninstall({ target });
    assert.deepEqual([verify({ target }).ok, verify({ target }).version], [true, '2.0']);
  });
});
