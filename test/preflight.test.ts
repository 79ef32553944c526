// The preflight refuses a target that is not the pack's base, naming every differing path with its
// expected and actual node, and leaves the target exactly as it was (no staging, backup, journal or lock).
import assert from 'node:assert/strict';
import { existsSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { installSync as install, statusSync as status } from '../src/index.js';
import { copyOf, expectCode, packFrom, stateFilesOf, treeOf, trusted } from './helpers/packs.js';
import { flatNew, flatOld } from './helpers/specs.js';
import { cleanupTempDirs, describeTree, sha256OfFile, tempDir } from './helpers/tree.js';

const sha = (s: string) => sha256OfFile(join(makeFile(s)));
function makeFile(content: string): string {
  const f = join(tempDir('blob'), 'f');
  writeFileSync(f, content);
  return f;
}

describe('preflight', () => {
  after(cleanupTempDirs);

  it('names two modified files and a missing one, and changes nothing', async () => {
    const { oldDir, pack } = await packFrom(flatOld, flatNew);
    const target = copyOf(oldDir);
    writeFileSync(join(target, 'bin/tool'), 'patched locally\n');
    writeFileSync(join(target, 'bin/script.sh'), 'echo edited\n');
    unlinkSync(join(target, 'docs/old.txt'));
    const before = describeTree(target);

    const err = expectCode('BASE_MISMATCH', () => install(pack, { ...trusted, target }));
    assert.deepEqual(err.details, {
      target,
      mismatches: [
        { path: 'bin/script.sh', expected: sha('echo same\n'), actual: sha('echo edited\n') },
        { path: 'bin/tool', expected: sha('tool v1\n'), actual: sha('patched locally\n') },
        { path: 'docs/old.txt', expected: sha('removed file\n'), actual: 'absent' },
      ],
    });
    assert.equal(err.message, '3 file(s) in the target are not version 1.0: bin/script.sh, bin/tool, docs/old.txt');
    // Exactly as found: not even `.servicepack/` (no staging, backup, journal, state or lock) remains.
    assert.deepEqual(describeTree(target), before);
    assert.equal(existsSync(join(target, '.servicepack')), false);
    const st = status({ target });
    assert.deepEqual([st.managed, st.pending, st.lockedBy], [false, null, null]);
  });

  it('refuses to overwrite a file the pack adds that already exists with other content', async () => {
    const { oldDir, pack } = await packFrom(flatOld, flatNew);
    const target = copyOf(oldDir);
    writeFileSync(join(target, 'bin/added.txt'), 'mine\n');
    const before = describeTree(target);
    const err = expectCode('BASE_MISMATCH', () => install(pack, { ...trusted, target }));
    assert.deepEqual(err.details.mismatches, [{ path: 'bin/added.txt', expected: 'absent', actual: sha('mine\n') }]);
    assert.deepEqual(describeTree(target), before);
    assert.equal(existsSync(join(target, '.servicepack')), false);
  });

  it('reports a changed link target and a link where a file was', async () => {
    const { oldDir, pack } = await packFrom(flatOld, flatNew);
    const target = copyOf(oldDir);
    unlinkSync(join(target, 'bin/link-changed'));
    symlinkSync('same.txt', join(target, 'bin/link-changed'));
    rmSync(join(target, 'bin/becomes-link'));
    symlinkSync('tool', join(target, 'bin/becomes-link'));
    const before = describeTree(target);
    const err = expectCode('BASE_MISMATCH', () => install(pack, { ...trusted, target }));
    assert.deepEqual(err.details.mismatches, [
      { path: 'bin/becomes-link', expected: sha('a plain file\n'), actual: 'symlink -> tool' },
      { path: 'bin/link-changed', expected: 'symlink -> tool', actual: 'symlink -> same.txt' },
    ]);
    assert.deepEqual(describeTree(target), before);
  });

  it('refuses a directory on the way that is a symlink to elsewhere', async () => {
    const { oldDir, pack } = await packFrom(flatOld, flatNew);
    const target = copyOf(oldDir);
    const elsewhere = copyOf(join(oldDir, 'docs'));
    rmSync(join(target, 'docs'), { recursive: true });
    symlinkSync(elsewhere, join(target, 'docs'));
    const before = describeTree(target);
    const outside = describeTree(elsewhere);
    const err = expectCode('BASE_MISMATCH', () => install(pack, { ...trusted, target }));
    // Never read through the link: the directory itself is the mismatch.
    assert.deepEqual(err.details.mismatches, [{ path: 'docs', expected: 'directory', actual: `symlink -> ${elsewhere}` }]);
    assert.deepEqual(describeTree(target), before);
    assert.deepEqual(describeTree(elsewhere), outside);
  });

  it('refuses a pack for another product once a product is installed', async () => {
    const { oldDir, newDir, pack } = await packFrom(flatOld, flatNew, { product: 'acme' });
    const target = copyOf(oldDir);
    install(pack, { ...trusted, target });
    const other = await packFrom(flatNew, { ...flatNew, 'extra.txt': 'x\n' }, { product: 'globex', from: '2.0', to: '3.0' });
    const state = describeTree(join(target, '.servicepack'));

    const err = expectCode('PRODUCT_MISMATCH', () => install(other.pack, { ...trusted, target }));
    assert.deepEqual(err.details, { target, installed: 'acme', pack: 'globex' });
    assert.deepEqual(treeOf(target), treeOf(newDir));
    assert.deepEqual(describeTree(join(target, '.servicepack')), state);
    assert.equal(stateFilesOf(target).includes('lock'), false);
    assert.deepEqual([status({ target }).product, status({ target }).version], ['acme', '2.0']);
  });
});
