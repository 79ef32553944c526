// Files past 2^31 and 2^32 bytes end to end: built as zstd-windows deltas with bounded memory, installed
// exactly, verified and uninstalled; damaged records, a base that changes under the install, and blobs
// over the format's bounds are coded errors. The files are sparse (a few written regions) so the test
// costs hashing time, not disk space; bench/big-files.mjs measures real data.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { closeSync, ftruncateSync, mkdirSync, openSync, readFileSync, readSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { build, inspectSync as inspect, installSync as install, uninstallSync as uninstall, verifySync as verify } from '../src/index.js';
import { hashFile } from '../src/format/hash.js';
import { openPack } from '../src/format/pack-reader.js';
import { openAtomicOutput } from '../src/fs/atomic-output.js';
import { expectCode, testKey, trusted } from './helpers/packs.js';
import { sectionsOf, signatureOf, writeRaw } from './helpers/craft.js';
import { cleanupTempDirs, tempDir } from './helpers/tree.js';

const MiB = 1024 * 1024;

/** A sparse file of `size` bytes holding `regions` (offset, bytes) and zeros elsewhere. */
function sparseFile(path: string, size: number, regions: [number, Buffer][]): void {
  const fd = openSync(path, 'w');
  try {
    ftruncateSync(fd, size);
    for (const [at, bytes] of regions) writeSync(fd, bytes, 0, bytes.length, at);
  } finally {
    closeSync(fd);
  }
}

/** Old and new trees with one sparse file `data.img` each and a small text file; `edits` change the new one. `target()` makes another old tree. */
function bigPair(size: number, edits: [number, Buffer][]): { oldDir: string; newDir: string; target: () => string } {
  const root = tempDir('big');
  const all: [number, Buffer][] = [[0, randomBytes(MiB)], [2 ** 31 - 4096, randomBytes(2 * MiB)], [2 ** 32 - 300, randomBytes(MiB)], [size - 5000, randomBytes(5000)]];
  const regions = all
    .filter(([at]) => at < size)
    .map(([at, b]): [number, Buffer] => [at, b.subarray(0, Math.min(b.length, size - at))]);
  // Each tree is written sparse (cpSync would write every zero of it).
  const tree = (dir: string, extra: [number, Buffer][], notes: string): string => {
    mkdirSync(dir, { recursive: true });
    sparseFile(join(dir, 'data.img'), size, [...regions, ...extra]);
    writeFileSync(join(dir, 'notes.txt'), notes);
    return dir;
  };
  return {
    oldDir: tree(join(root, 'old'), [], 'version 1\n'),
    newDir: tree(join(root, 'new'), edits, 'version 2\n'),
    target: () => tree(join(tempDir('target'), 'install'), [], 'version 1\n'),
  };
}

/** The tree as path -> sha256 (files read 1 MiB at a time: these do not fit in one Buffer). */
function hashes(dir: string): Record<string, string> {
  return Object.fromEntries(['data.img', 'notes.txt'].map((p) => [p, hashFile(join(dir, p)).sha256]));
}

describe('files of any size', () => {
  after(cleanupTempDirs);

  it('a file past 2^32 bytes with 7 bytes changed is a delta of a few KiB, installed exactly, verified and uninstalled', async () => {
    const size = 2 ** 32 + 4 * MiB + 123;
    const edits: [number, Buffer][] = [[2 ** 31 - 2, Buffer.from('ab')], [2 ** 32 + 1, Buffer.from('cd')], [size - 3, Buffer.from('efg')]];
    const { oldDir, newDir, target: makeTarget } = bigPair(size, edits);
    const pack = join(tempDir('pack'), 'big.svp');
    const result = await build({ oldDir, newDir, out: pack, product: 'big', fromVersion: '1', toVersion: '2', level: 19, sign: testKey.key });
    assert.equal(result.deltas, 1, 'data.img is a delta; notes.txt is under 256 bytes');
    assert.ok(result.size < 64 * 1024, `the pack is ${result.size} bytes`);
    const reader = openPack(pack);
    const entry = reader.manifest.entries.find((e) => e.path === 'data.img')!;
    const blob = reader.manifest.blobs[entry.blob!]!;
    reader.close();
    // Each pass over the file costs seconds: the old content's hash is taken from the manifest (build
    // hashed it), the new one is hashed here independently.
    const oldSha256 = entry.old?.type === 'file' ? entry.old.sha256 : '';
    assert.equal(blob.encoding, 'zstd-windows');
    assert.equal(blob.size, size);
    assert.ok(inspect(pack).entries.find((e) => e.path === 'data.img')!.delta);

    const target = makeTarget();
    install(pack, { ...trusted, target });
    assert.deepEqual(hashes(target), hashes(newDir));
    assert.equal(statSync(join(target, 'data.img')).size, size);
    // The release file is sparse, so the installed one is too: far fewer blocks than its size.
    assert.ok(statSync(join(target, 'data.img')).blocks * 512 < 64 * MiB);
    const checked = verify({ target });
    assert.deepEqual([checked.ok, checked.modified, checked.missing, checked.unexpected], [true, [], [], []]);
    uninstall({ target });
    assert.equal(hashFile(join(target, 'data.img')).sha256, oldSha256);
  });

  it('a damaged zstd-windows record is PACK_CORRUPT naming the file; the target keeps the old tree', async () => {
    const size = 160 * MiB + 99;
    const { oldDir, newDir, target: makeTarget } = bigPair(size, [[100 * MiB, Buffer.from('changed')]]);
    const pack = join(tempDir('pack'), 'w.svp');
    await build({ oldDir, newDir, out: pack, level: 3, fromVersion: '1', toVersion: '2', sign: testKey.key });
    const reader = openPack(pack);
    const blob = reader.manifest.blobs.find((b) => b.encoding === 'zstd-windows')!;
    // Record 0 is a copy (the first window is unchanged): make its base range run past the old file.
    const at = reader.payloadOffset + blob.offset + 1;
    reader.close();
    const bytes = readFileSync(pack);
    bytes.writeBigUInt64LE(BigInt(size), at);
    writeFileSync(pack, bytes);
    const target = makeTarget();
    const err = expectCode('PACK_CORRUPT', () => install(pack, { ...trusted, target }));
    assert.equal(err.details.entry, 'data.img');
    assert.deepEqual(hashes(target), hashes(oldDir));
  });

  it('an old file changed after the preflight is DELTA_BASE_MISMATCH for a zstd-windows delta; nothing changes', async () => {
    const size = 160 * MiB;
    const { oldDir, newDir, target: makeTarget } = bigPair(size, [[40 * MiB, Buffer.from('changed')]]);
    const pack = join(tempDir('pack'), 'm.svp');
    await build({ oldDir, newDir, out: pack, level: 3, fromVersion: '1', toVersion: '2', sign: testKey.key });
    const target = makeTarget();
    const file = join(target, 'data.img');
    const expected = hashFile(file).sha256;
    const err = expectCode('DELTA_BASE_MISMATCH', () => install(pack, {
      ...trusted,
      target,
      onEvent: (e) => {
        if (e.type === 'phase' && e.phase === 'stage') sparseFile(file, size, [[7, Buffer.from('tampered')]]);
      },
    }));
    assert.deepEqual(err.details, { target, path: 'data.img', expected, actual: hashFile(file).sha256 });
    assert.equal(hashFile(join(target, 'notes.txt')).sha256, hashFile(join(oldDir, 'notes.txt')).sha256);
  });

  it('a zstd-windows blob smaller than one record header per window is PACK_INVALID when the pack is opened', async () => {
    const size = 160 * MiB;
    const { oldDir, newDir } = bigPair(size, [[40 * MiB, Buffer.from('changed')]]);
    const pack = join(tempDir('pack'), 'b.svp');
    await build({ oldDir, newDir, out: pack, level: 3, fromVersion: '1', toVersion: '2', sign: testKey.key });
    const { manifest, payload } = sectionsOf(pack);
    const m = JSON.parse(manifest.toString('utf8'));
    const i = m.blobs.findIndex((b: { encoding: string }) => b.encoding === 'zstd-windows');
    const cut = 16;
    const before = m.blobs.slice(0, i).reduce((s: number, b: { storedSize: number }) => s + b.storedSize, 0);
    const removed = m.blobs[i].storedSize - cut;
    m.blobs[i].storedSize = cut;
    for (const b of m.blobs.slice(i + 1)) b.offset -= removed;
    const bytes = Buffer.from(JSON.stringify(m));
    const crafted = writeRaw(join(tempDir('pack'), 'cut.svp'), bytes, signatureOf(bytes), Buffer.concat([payload.subarray(0, before + cut), payload.subarray(before + cut + removed)]));
    const err = expectCode('PACK_INVALID', () => inspect(crafted));
    assert.match(err.message, /167772160 bytes need at least 85 stored bytes as zstd-windows records, not 16/);
  });

  it('a zstd-patch blob whose base and content exceed a 2^31 zstd window is PACK_INVALID when the pack is opened', async () => {
    const root = tempDir('patch');
    const content = randomBytes(64 * 1024);
    for (const [dir, tail] of [['old', 'a'], ['new', 'b']] as const) {
      mkdirSync(join(root, dir));
      writeFileSync(join(root, dir, 'app.bin'), Buffer.concat([content, Buffer.from(tail)]));
    }
    const pack = join(root, 'p.svp');
    await build({ oldDir: join(root, 'old'), newDir: join(root, 'new'), out: pack, level: 3, sign: testKey.key });
    const { manifest, payload } = sectionsOf(pack);
    const m = JSON.parse(manifest.toString('utf8'));
    assert.equal(m.blobs[0].encoding, 'zstd-patch');
    m.entries.find((e: { path: string }) => e.path === 'app.bin').old.size = 2 ** 31;
    const bytes = Buffer.from(JSON.stringify(m));
    const crafted = writeRaw(join(root, 'huge-base.svp'), bytes, signatureOf(bytes), payload);
    const err = expectCode('PACK_INVALID', () => inspect(crafted));
    assert.match(err.message, /more than the 2\^31 a zstd window holds/);
  });

  it('an output takes a single write of more than 2 GiB (Node refuses one writeSync that long)', () => {
    const out = join(tempDir('write'), 'two-gib');
    const big = Buffer.alloc(2 ** 31 + 4096);
    big.write('head', 0);
    big.write('tail', big.length - 4);
    const o = openAtomicOutput(out);
    o.write(big);
    o.commit();
    assert.equal(statSync(out).size, 2 ** 31 + 4096);
    const fd = openSync(out, 'r');
    const tail = Buffer.alloc(4);
    try {
      assert.equal(readSyncAt(fd, tail, big.length - 4), 4);
    } finally {
      closeSync(fd);
    }
    assert.equal(tail.toString(), 'tail');
  });
});

function readSyncAt(fd: number, buf: Buffer, position: number): number {
  return readSync(fd, buf, 0, buf.length, position);
}
