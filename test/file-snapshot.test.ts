// The preflight's kept copy of a delta base (src/inventory/file-snapshot.ts) on real files: it holds
// exactly the bytes it hashed, and any change to the file after the snapshot (rewritten in place with
// the same size, replaced by rename with the same bytes, removed) makes staging read the file again.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { isUnchanged, snapshotFile } from '../src/inventory/file-snapshot.js';
import { cleanupTempDirs, sha256OfFile, tempDir } from './helpers/tree.js';

after(cleanupTempDirs);

function fileWith(content: Buffer): string {
  const file = join(tempDir('snapshot'), 'base.bin');
  writeFileSync(file, content);
  return file;
}

describe('file snapshot', () => {
  it('keeps the bytes it hashed and reports an untouched file unchanged', () => {
    const content = randomBytes(3 * 1024 * 1024 + 17);
    const file = fileWith(content);
    const snap = snapshotFile(file);
    assert.ok(snap.bytes.equals(content));
    assert.equal(snap.sha256, sha256OfFile(file));
    assert.equal(isUnchanged(snap, file), true);
  });

  it('reads an empty file', () => {
    const file = fileWith(Buffer.alloc(0));
    const snap = snapshotFile(file);
    assert.equal(snap.bytes.length, 0);
    assert.equal(snap.sha256, sha256OfFile(file));
  });

  it('sees a same-size rewrite in place', () => {
    const content = randomBytes(64 * 1024);
    const file = fileWith(content);
    const snap = snapshotFile(file);
    const changed = Buffer.from(content);
    changed[100] = changed[100]! ^ 1;
    writeFileSync(file, changed);
    assert.equal(isUnchanged(snap, file), false);
  });

  it('sees a replacement by rename, even with the same bytes', () => {
    const content = randomBytes(64 * 1024);
    const file = fileWith(content);
    const snap = snapshotFile(file);
    writeFileSync(`${file}.new`, content);
    renameSync(`${file}.new`, file);
    assert.equal(isUnchanged(snap, file), false);
  });

  it('sees a removed file', () => {
    const file = fileWith(randomBytes(100));
    const snap = snapshotFile(file);
    rmSync(file);
    assert.equal(isUnchanged(snap, file), false);
  });
});
