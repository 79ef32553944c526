// zstd-windows as a codec of the table: found by name, reading its base from the file, and decoded
// through the reader's DecodeContext, whose stored bytes come in pieces of any size that are reused
// from call to call (records and frames straddle them).
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { closeSync, fstatSync, openSync } from 'node:fs';
import { ServicePackError } from '../../errors/index.js';
import { sha256Hex } from '../hash.js';
import { noise } from '../../../test/helpers/binaries.js';
import { baseKindOf, type DecodeContext } from './codec.js';
import { codecNamed } from './codecs.js';
import { zstdWindowsCodec } from './zstd-windows.js';
import { cleanupTempDirs, tempFile } from '../../../test/helpers/tree.js';

after(cleanupTempDirs);

function encode(oldPath: string, newPath: string, size: number): { stored: Buffer; baseSha256: string | undefined } {
  const chunks: Buffer[] = [];
  const r = zstdWindowsCodec.encode({ path: newPath, size, basePath: oldPath, level: 3 }, (c) => chunks.push(Buffer.from(c)));
  assert.ok(r !== null);
  const stored = Buffer.concat(chunks);
  assert.equal(r.storedSize, stored.length);
  assert.equal(r.storedSha256, sha256Hex(stored));
  return { stored, baseSha256: r.baseSha256 };
}

/** Decodes `stored` against the file at `oldPath`, handing the stored bytes out `piece` at a time in ONE reused buffer. */
function decode(stored: Buffer, size: number, oldPath: string, piece: number): Buffer | ServicePackError {
  const parts: Buffer[] = [];
  const reused = Buffer.alloc(piece);
  let at = 0;
  const fd = openSync(oldPath, 'r');
  const ctx: DecodeContext = {
    blob: { offset: 0, storedSize: stored.length, storedSha256: '', encoding: 'zstd-windows', base: '', size, sha256: '' },
    base: undefined,
    baseFile: { fd, size: fstatSync(fd).size },
    nextStored: () => {
      if (at >= stored.length) return null;
      const n = stored.copy(reused, 0, at, Math.min(stored.length, at + piece));
      at += n;
      return reused.subarray(0, n);
    },
    write: (c) => void parts.push(Buffer.from(c)),
    corrupt: (expected, actual) => new ServicePackError('PACK_CORRUPT', `${expected} / ${actual}`, { hint: '', details: { path: '', entry: '', expected, actual } }),
    scratch: new Map(),
  };
  try {
    zstdWindowsCodec.decode(ctx);
    return Buffer.concat(parts);
  } catch (err) {
    if (err instanceof ServicePackError) return err;
    throw err;
  } finally {
    closeSync(fd);
  }
}

test('zstd-windows is in the table: a delta whose base is the old file, at least one record header per window', () => {
  assert.equal(codecNamed('zstd-windows'), zstdWindowsCodec);
  assert.equal(zstdWindowsCodec.needsBase, true);
  assert.equal(baseKindOf(zstdWindowsCodec), 'file');
  assert.equal(zstdWindowsCodec.minStoredSize?.(0), 17);
  assert.equal(zstdWindowsCodec.minStoredSize?.(3 * 32 * 1024 * 1024 + 1), 4 * 17);
  // The other deltas keep their base in memory; the full frame has none.
  assert.equal(baseKindOf(codecNamed('zstd-patch')!), 'memory');
  assert.equal(baseKindOf(codecNamed('exediff')!), 'memory');
  assert.equal(baseKindOf(codecNamed('zstd')!), undefined);
});

test('a patch record and a copy record decode exactly from stored bytes in reused pieces of 1 byte to 1 MiB', () => {
  const old = noise(300_000, 7);
  const changed = Buffer.from(old);
  changed.write('a few changed bytes', 123_456);
  const oldPath = tempFile('old', old);
  for (const [name, content] of [['patch', Buffer.concat([changed, Buffer.from('appended')])], ['copy', old]] as const) {
    const newPath = tempFile(name, content);
    const { stored, baseSha256 } = encode(oldPath, newPath, content.length);
    assert.equal(baseSha256, sha256Hex(old), 'the encoder reports what it read of the base');
    if (name === 'copy') assert.equal(stored.length, 17, 'one copy record: its header only');
    else assert.ok(stored.length < 2_000, `a small patch (${stored.length} bytes)`);
    for (const piece of [1, 7, 16, 17, 18, 4099, 1 << 20]) {
      const out = decode(stored, content.length, oldPath, piece);
      assert.ok(Buffer.isBuffer(out), `${name} in pieces of ${piece}: ${String(out)}`);
      assert.equal(sha256Hex(out), sha256Hex(content), `${name} in pieces of ${piece}`);
    }
  }
});

test('stored bytes after the last record, or records past the stored bytes, are PACK_CORRUPT', () => {
  const old = noise(100_000, 3);
  const content = Buffer.from(old);
  content.write('changed', 50_000);
  const oldPath = tempFile('old2', old);
  const { stored } = encode(oldPath, tempFile('new2', content), content.length);
  for (const piece of [5, 1 << 20]) {
    const extra = decode(Buffer.concat([stored, Buffer.from([0])]), content.length, oldPath, piece);
    assert.ok(extra instanceof ServicePackError && extra.code === 'PACK_CORRUPT');
    assert.equal(extra.message, `records ending at stored byte ${stored.length + 1} / records ending at stored byte ${stored.length}`);
    const short = decode(stored.subarray(0, stored.length - 1), content.length, oldPath, piece);
    assert.ok(short instanceof ServicePackError && short.code === 'PACK_CORRUPT');
    assert.equal(short.message, `records within the ${stored.length - 1} stored bytes / a record past the end of the blob`);
  }
});
