// exediff on the checked-in ELF and PE vectors (test/fixtures/exediff/, made by make-vectors.sh) and on
// hand-made streams: exact round trips in pieces of every size, the predictor at work, and one
// PACK_CORRUPT for each control value a reader checks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ServicePackError } from '../../errors/index.js';
import { sha256Hex } from '../hash.js';
import type { DecodeContext } from './codec.js';
import { encodeHeader, encodeLayout, EXEDIFF_HEADER_SIZE } from './exediff-container.js';
import { decodeExediff } from './exediff-decode.js';
import { compressStream, encodeExediff } from './exediff-encode.js';
import { exediffNative } from './exediff-native.js';
import { executableLayout } from './exe-layout.js';
import { noise, revise } from '../../../test/helpers/binaries.js';

const vector = (name: string): Buffer => readFileSync(fileURLToPath(new URL(`../../../../test/fixtures/exediff/${name}`, import.meta.url)));
const native = exediffNative() !== null;
const skip = !native && 'needs the exediff addon (apt-get install libdivsufsort-dev; npm run build)';

/** Decodes `stored` against `base` in pieces of `chunk` bytes: the content, or the thrown error. */
function decode(stored: Buffer, base: Uint8Array, size: number, chunk?: number): Buffer {
  const parts: Buffer[] = [];
  let given = false;
  const ctx: DecodeContext = {
    blob: { offset: 0, storedSize: stored.length, storedSha256: '', encoding: 'exediff', base: '', size, sha256: '' },
    base,
    nextStored: () => (given ? null : ((given = true), stored)),
    write: (c) => {
      if (c.length > (chunk ?? 1 << 20)) throw new Error(`a piece of ${c.length} bytes`);
      parts.push(Buffer.from(c));
    },
    corrupt: (expected, actual) => new ServicePackError('PACK_CORRUPT', `${expected} / ${actual}`, { hint: '', details: { path: '', entry: '', expected, actual } }),
    scratch: new Map(),
  };
  decodeExediff(ctx, chunk);
  return Buffer.concat(parts);
}

function encode(base: Uint8Array, content: Uint8Array): Buffer {
  let stored: Buffer | undefined;
  const r = encodeExediff({ path: '', size: content.length, base, content, level: 19 }, (c) => (stored = Buffer.from(c)));
  assert.ok(r !== null && stored !== undefined, 'exediff encodes the pair');
  assert.equal(r.sha256, sha256Hex(content));
  return stored;
}

for (const [kind, v1, v2] of [['ELF', 'elf-v1', 'elf-v2'], ['PE', 'pe-v1.dll', 'pe-v2.dll']] as const) {
  test(`${kind} vectors: x86-64 predictor, exact in pieces of 8 bytes to 1 MiB, the same bytes every time`, { skip }, () => {
    const base = vector(v1);
    const content = vector(v2);
    assert.ok(executableLayout(base) !== undefined && executableLayout(content) !== undefined);
    const stored = encode(base, content);
    assert.equal(stored[5], 1, 'predictor x86-64');
    assert.ok(encode(base, content).equals(stored), 'deterministic');
    for (const chunk of [8, 9, 13, 64, 4099, undefined]) assert.equal(sha256Hex(decode(stored, base, content.length, chunk)), sha256Hex(content), `pieces of ${chunk}`);
    // The predictor is what makes the diff stream small: without it (no layout) the same regions cost more.
    const diffStored = Number(stored.readBigUInt64LE(40 + 16 * 2));
    assert.ok(diffStored < content.length / 20, `diff stream ${diffStored} bytes`);
  });
}

test('a binary that is no executable: predictor none, exact', { skip }, () => {
  const base = noise(200_000, 5);
  const content = revise(base);
  const stored = encode(base, content);
  assert.equal(stored[5], 0);
  assert.equal(stored.readBigUInt64LE(32), 0n, 'no layout stream');
  assert.ok(stored.length < content.length * 0.05);
  for (const chunk of [8, 1000, undefined]) assert.ok(decode(stored, base, content.length, chunk).equals(content));
});

// Hand-made blobs: base = 64 bytes 0..63, content = 16 literal bytes then base[8, 40) copied.
const base = Buffer.from(Array.from({ length: 64 }, (_, i) => i));
const content = Buffer.concat([Buffer.alloc(16, 0xee), base.subarray(8, 40)]);
const varints = (...xs: number[]): Buffer => Buffer.from(xs.flatMap((x) => { const out: number[] = []; do { out.push((x & 0x7f) | (x >= 0x80 ? 0x80 : 0)); x = Math.floor(x / 128); } while (x > 0); return out; }));

interface Parts { predictor?: number; oldSize?: number; newSize?: number; regions?: number; layout?: Buffer; controls?: Buffer; diff?: Buffer; extra?: Buffer; tail?: Buffer; raw?: number[] }
function craft(p: Parts = {}): Buffer {
  const streams = [p.layout ?? Buffer.alloc(0), p.controls ?? varints(16, 32, 16), p.diff ?? Buffer.alloc(32), p.extra ?? Buffer.alloc(16, 0xee)];
  const frames = streams.map((s) => compressStream(s, 3));
  const header = encodeHeader({ predictor: p.predictor ?? 0, oldSize: p.oldSize ?? 64, newSize: p.newSize ?? 48, regions: p.regions ?? 1, raw: p.raw ?? streams.map((s) => s.length), stored: frames.map((f) => f.length) });
  return Buffer.concat([header, ...frames, p.tail ?? Buffer.alloc(0)]);
}

test('hand-made blob decodes: gap from extra, region from the base plus diff', () => {
  assert.ok(decode(craft(), base, 48).equals(content));
  assert.ok(decode(craft(), base, 48, 8).equals(content));
});

const refusals: [string, () => Buffer, RegExp, number?][] = [
  ['a short header', () => craft().subarray(0, EXEDIFF_HEADER_SIZE - 1), /an exediff header of 96 bytes/],
  ['another magic', () => Object.assign(craft(), { 0: 0x41 }), /the exediff magic/],
  ['another version', () => Object.assign(craft(), { 4: 2 }), /exediff version 1/],
  ['an unknown predictor', () => craft({ predictor: 2 }), /predictor 0 \(none\) or 1 \(x86-64\)/],
  ['a non-zero reserved byte', () => Object.assign(craft(), { 7: 1 }), /zero reserved bytes/],
  ['an old size that is not the base', () => craft({ oldSize: 65 }), /an old size of 64 bytes/],
  ['a new size that is not the blob', () => craft({ newSize: 47 }), /a new size of 48 bytes/],
  ['more regions than one per 16 bytes', () => craft({ regions: 4 }), /at most 3 regions/],
  ['a u64 of 2^53', () => { const b = craft(); b.writeBigUInt64LE(2n ** 53n, 24); return b; }, /below 2\^53/],
  ['stored bytes after the streams', () => craft({ tail: Buffer.from([0]) }), /streams ending at the blob's end/],
  ['a stream longer than the blob', () => { const b = craft(); b.writeBigUInt64LE(10_000n, 40 + 16 * 3); return b; }, /extra stream within the blob/],
  ['a layout without a predictor', () => craft({ layout: Buffer.from([0, 0]) }), /no layout stream without a predictor/],
  ['controls shorter than 3 per region', () => craft({ controls: varints(16, 32) }), /a controls stream of 3 to 24 bytes/],
  ['diff and extra not adding up to the new size', () => craft({ extra: Buffer.alloc(15) }), /diff and extra streams of 48 bytes together/],
  ['a region shorter than 16 bytes', () => craft({ controls: varints(16, 15, 16), diff: Buffer.alloc(15), extra: Buffer.alloc(33) }), /at least 16 bytes/],
  ['a region past the new content', () => craft({ controls: varints(17, 32, 16), extra: Buffer.alloc(16) }), /inside the 48-byte new content/],
  ['a region past the base', () => craft({ controls: varints(16, 32, 66) }), /inside the 64-byte base/],
  ['a region before the base', () => craft({ controls: varints(16, 32, 1) }), /inside the 64-byte base/],
  ['a varint longer than 8 bytes', () => craft({ controls: Buffer.concat([varints(16, 32), Buffer.alloc(8, 0x80), Buffer.from([0])]) }), /a varint of at most 8 bytes/],
  ['controls with a byte left over', () => craft({ controls: Buffer.concat([varints(16, 32, 16), Buffer.from([0])]) }), /a controls stream of 3 bytes for 1 regions/],
  ['a diff stream shorter than the regions', () => craft({ diff: Buffer.alloc(31), extra: Buffer.alloc(17) }), /a diff stream as long as the copied regions/],
  ['a frame shorter than its declared length', () => craft({ diff: Buffer.alloc(31), raw: [0, 3, 32, 16] }), /32 bytes in the diff stream \/ 31 bytes/],
  ['a frame longer than its declared length', () => craft({ diff: Buffer.alloc(33), raw: [0, 3, 32, 16] }), /more than 32 bytes/],
  ['a layout segment past its file', () => craft({ predictor: 1, layout: encodeLayout({ old: [{ off: 0, fileSize: 65, vaddr: 0, memSize: 65, exec: true }], new: [] }) }), /inside the 64-byte file/],
  ['layout segments out of order', () => craft({ predictor: 1, layout: encodeLayout({ old: [{ off: 32, fileSize: 8, vaddr: 0, memSize: 8, exec: true }, { off: 0, fileSize: 8, vaddr: 100, memSize: 8, exec: false }], new: [] }) }), /after segment 0/],
  ['layout flags other than 0 and 1', () => { const l = encodeLayout({ old: [{ off: 0, fileSize: 8, vaddr: 0, memSize: 8, exec: true }], new: [] }); l[2 + 32] = 2; return craft({ predictor: 1, layout: l }); }, /flags 0 or 1/],
];
for (const [what, make, message] of refusals) {
  test(`PACK_CORRUPT for ${what}`, () => {
    assert.throws(() => decode(make(), base, 48), (err: unknown) => err instanceof ServicePackError && err.code === 'PACK_CORRUPT' && message.test(err.message));
  });
}

test('the encoder declines when the memory budget is smaller than its need, and releases what it reserved', { skip }, () => {
  const base = vector('elf-v1');
  const content = vector('elf-v2');
  assert.equal(encodeExediff({ path: '', size: content.length, base, content, level: 3, reserve: () => null }, () => {}), null);
  let held = 0;
  const reserve = (bytes: number): (() => void) => {
    held += bytes;
    return () => (held -= bytes);
  };
  assert.ok(encodeExediff({ path: '', size: content.length, base, content, level: 3, reserve }, () => {}) !== null);
  assert.equal(held, 0);
});

test('content hash of a hand-made blob matches what the reader would check', () => {
  assert.equal(createHash('sha256').update(decode(craft(), base, 48)).digest('hex'), sha256Hex(content));
});
