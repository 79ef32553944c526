// Delta encoding on small synthetic binaries: round trip, the zstd CLI decodes our frames, the size
// threshold, the choice between delta and full content, and refusal of bases zstd would misread.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sha256Hex } from '../format/hash.js';
import { zstd } from '../format/zstd.js';
import { DELTA_MIN_SIZE, deltaCandidate } from './delta-params.js';
import { encodeDelta } from './encode-delta.js';
import { encodeFile } from './encode-file.js';
import { noise, revise } from '../../test/helpers/binaries.js';
import { needs } from '../../test/helpers/tools.js';

const scratch = mkdtempSync(join(tmpdir(), 'servicepack-delta-test-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

function decodeWith(base: Buffer, frame: Buffer, size: number): Buffer {
  const dctx = new (zstd().DCtx)();
  dctx.loadDictionary(base);
  const out = Buffer.alloc(size);
  assert.equal(dctx.decompress(out, frame), size);
  return out;
}

const oldBin = noise(96 * 1024, 1);
const newBin = revise(oldBin);

test('a delta decodes back to the new file and is a small fraction of it', () => {
  const frame = encodeDelta(oldBin, newBin, 19);
  assert.ok(decodeWith(oldBin, frame, newBin.length).equals(newBin));
  assert.ok(frame.length < newBin.length * 0.02, `delta is ${frame.length} bytes for ${newBin.length}`);
  assert.ok(encodeDelta(oldBin, newBin, 19).equals(frame), 'same inputs, same bytes');
});

test('the zstd CLI decodes a delta with --patch-from: deltas are standard zstd frames', { skip: needs('zstd') }, () => {
  const oldPath = join(scratch, 'old.bin');
  const framePath = join(scratch, 'new.bin.zst');
  const outPath = join(scratch, 'new.bin');
  writeFileSync(oldPath, oldBin);
  writeFileSync(framePath, encodeDelta(oldBin, newBin, 19));
  execFileSync('zstd', ['-d', '-q', '-f', `--patch-from=${oldPath}`, framePath, '-o', outPath]);
  assert.equal(sha256Hex(readFileSync(outPath)), sha256Hex(newBin));
});

test('files of at least 256 bytes on both sides are delta candidates, however large', () => {
  assert.equal(DELTA_MIN_SIZE, 256);
  assert.equal(deltaCandidate(256, 256), true);
  assert.equal(deltaCandidate(255, 1 << 20), false);
  assert.equal(deltaCandidate(1 << 20, 255), false);
  assert.equal(deltaCandidate(2 ** 32 + 1, 1 << 20), true);
  assert.equal(deltaCandidate(2 ** 33, 2 ** 33 + 7), true);
});

/** Writes the pair and runs encodeFile on it. */
function encodePair(oldContent: Buffer, newContent: Buffer) {
  const oldPath = join(scratch, `o${oldContent.length}-${sha256Hex(oldContent).slice(0, 8)}`);
  const newPath = join(scratch, `n${newContent.length}-${sha256Hex(newContent).slice(0, 8)}`);
  writeFileSync(oldPath, oldContent);
  writeFileSync(newPath, newContent);
  const outcome = encodeFile({ newPath, newSize: newContent.length, newSha256: sha256Hex(newContent), old: { path: oldPath, sha256: sha256Hex(oldContent) }, level: 3 });
  assert.ok(outcome.ok);
  return outcome.file;
}

test('encodeFile keeps the delta when it is smaller, and the full frame when the old file does not help', () => {
  const delta = encodePair(oldBin, newBin);
  assert.equal(delta.encoding, 'zstd-patch');
  assert.equal(delta.base, sha256Hex(oldBin));
  assert.ok(decodeWith(oldBin, Buffer.from(delta.stored!), newBin.length).equals(newBin));
  const unrelated = noise(40_000, 99);
  const full = encodePair(oldBin, unrelated);
  assert.equal(full.encoding, 'zstd');
  assert.equal(full.base, undefined);
  const out = Buffer.alloc(unrelated.length);
  assert.equal(zstd().decompress(out, full.stored!), unrelated.length);
  assert.ok(out.equals(unrelated));
});

test('an old file starting with the zstd dictionary magic is never a base (zstd would read it as a dictionary)', () => {
  const magicOld = Buffer.concat([Buffer.from([0x37, 0xa4, 0x30, 0xec]), oldBin.subarray(4)]);
  const file = encodePair(magicOld, revise(magicOld));
  assert.equal(file.encoding, 'zstd');
  assert.throws(() => encodeDelta(magicOld, newBin, 3), /dictionary magic/);
});

test('a file that changed since it was listed is reported, not encoded', () => {
  const newPath = join(scratch, 'moving');
  writeFileSync(newPath, newBin);
  const outcome = encodeFile({ newPath, newSize: newBin.length, newSha256: sha256Hex(oldBin), level: 3 });
  assert.deepEqual(outcome, { ok: false, failure: { path: newPath, reason: 'it changed during the build' } });
  const gone = encodeFile({ newPath: join(scratch, 'absent'), newSize: 1, newSha256: sha256Hex(oldBin), level: 3 });
  assert.equal(gone.ok, false);
  assert.match(gone.ok ? '' : gone.failure.reason, /ENOENT/);
});
