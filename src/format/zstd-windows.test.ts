// The zstd-windows codec on its own: round trips across windows (copies and patches, a new file longer
// and shorter than the old), and damaged stored bytes that only ever give the codec's corrupt error.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { closeSync, fstatSync, ftruncateSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { noise } from '../../test/helpers/binaries.js';
import { RECORD_HEADER_BYTES, WINDOW_BYTES, decodeWindows, encodeWindows, type StoredReader } from './zstd-windows.js';

const scratch = mkdtempSync(join(tmpdir(), 'servicepack-windows-test-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

class Corrupt extends Error {}

function sparse(name: string, size: number, regions: [number, Buffer][]): string {
  const path = join(scratch, name);
  const fd = openSync(path, 'w');
  ftruncateSync(fd, size);
  for (const [at, b] of regions) writeSync(fd, b, 0, b.length, at);
  closeSync(fd);
  return path;
}

function encode(oldPath: string, newPath: string): { stored: Buffer; copies: number; patches: number; sha256: string; size: number } {
  const chunks: Buffer[] = [];
  const r = encodeWindows(oldPath, newPath, 3, (c) => chunks.push(Buffer.from(c)));
  return { stored: Buffer.concat(chunks), copies: r.copies, patches: r.patches, sha256: r.sha256, size: r.size };
}

function decode(stored: Buffer, size: number, oldPath: string): string {
  let at = 0;
  const read: StoredReader = (length) => {
    if (at + length > stored.length) throw new Corrupt('past the end');
    const out = stored.subarray(at, at + length);
    at += length;
    return Buffer.from(out);
  };
  const hash = createHash('sha256');
  const fd = openSync(oldPath, 'r');
  try {
    decodeWindows(read, size, { fd, size: fstatSync(fd).size }, (c) => hash.update(c), (e, a) => new Corrupt(`${e} / ${a}`));
  } finally {
    closeSync(fd);
  }
  if (at !== stored.length) throw new Corrupt('trailing bytes');
  return hash.digest('hex');
}

const head = noise(256 * 1024, 21);
const middle = noise(64 * 1024, 22);

test('windows round trip: unchanged windows are copies, changed ones patches, a longer new file works', () => {
  const size = 2 * WINDOW_BYTES + 12345;
  const oldPath = sparse('old', size, [[0, head], [WINDOW_BYTES + 5, middle]]);
  const newPath = sparse('new', size + 999, [[0, head], [WINDOW_BYTES + 5, middle], [WINDOW_BYTES + 100, Buffer.from('changed')]]);
  const e = encode(oldPath, newPath);
  assert.deepEqual([e.copies, e.patches], [1, 2]);
  assert.ok(e.stored.length < 4096, `${e.stored.length} stored bytes`);
  assert.equal(decode(e.stored, e.size, oldPath), e.sha256);
});

test('a damaged byte anywhere in the records gives the corrupt error or a wrong hash, never another exception', () => {
  const oldPath = sparse('small-old', 1 << 20, [[0, head], [600_000, middle]]);
  const newPath = sparse('small-new', (1 << 20) - 7, [[0, head], [600_000, middle], [1000, Buffer.from('edit')]]);
  const e = encode(oldPath, newPath);
  assert.equal(e.patches, 1);
  assert.equal(decode(e.stored, e.size, oldPath), e.sha256);
  const positions = [...Array.from({ length: RECORD_HEADER_BYTES }, (_, i) => i), ...Array.from({ length: 150 }, (_, i) => RECORD_HEADER_BYTES + Math.floor((i * (e.stored.length - RECORD_HEADER_BYTES)) / 150))];
  let caught = 0;
  for (const p of positions) {
    for (const flip of [0x01, 0x80, 0xff]) {
      const bad = Buffer.from(e.stored);
      bad[p] = bad[p]! ^ flip;
      try {
        if (decode(bad, e.size, oldPath) === e.sha256) assert.fail(`flipping byte ${p} by ${flip} still decoded to the same content`);
      } catch (err) {
        if (!(err instanceof Corrupt)) throw err;
        caught++;
      }
    }
  }
  assert.ok(caught > 0);
});
