// exediff on the checked-in ELF and PE vectors (test/fixtures/exediff/, made by make-vectors.sh) and on
// hand-made streams: exact round trips in pieces of every size, the predictor at work, and one
// PACK_CORRUPT for each control value a reader checks; the WebAssembly core and the TypeScript decoder
// give the same content.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ServicePackError } from '../../errors/index.js';
import { sha256Hex } from '../hash.js';
import type { DecodeContext } from './codec.js';
import { encodeHeader, encodeLayout, EXEDIFF_HEADER_SIZE } from './exediff-container.js';
import { decodeExediff } from './exediff-decode.js';
import { compressStream, encodeExediff } from './exediff-encode.js';
import { exediffNative } from './exediff-native.js';
import { coreModule } from './exediff-wasm.js';
import { openPack } from '../pack-reader.js';
import { executableLayout } from './exe-layout.js';
import { noise, revise } from '../../../test/helpers/binaries.js';
import { needsSetup } from '../../../test/helpers/tools.js';

const vector = (name: string): Buffer => readFileSync(fileURLToPath(new URL(`../../../../test/fixtures/exediff/${name}`, import.meta.url)));
const native = exediffNative() !== null;
const skip = needsSetup('the exediff addon', native, 'apt-get install -y libdivsufsort-dev && npm run build');

/** Decodes `stored` against `base` in pieces of `chunk` bytes (the WebAssembly core where built, or the TypeScript decoder): the content. */
function decode(stored: Buffer, base: Uint8Array, size: number, chunk?: number, core: 'auto' | 'typescript' = 'auto'): Buffer {
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
  decodeExediff(ctx, chunk, core);
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
    for (const chunk of [8, 9, 13, 64, 4099, undefined]) {
      for (const core of ['auto', 'typescript'] as const) assert.equal(sha256Hex(decode(stored, base, content.length, chunk, core)), sha256Hex(content), `pieces of ${chunk}, ${core}`);
    }
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
  for (const chunk of [8, 1000, undefined]) {
    for (const core of ['auto', 'typescript'] as const) assert.ok(decode(stored, base, content.length, chunk, core).equals(content));
  }
});

/** A minimal ELF64 x86-64 image: `code` in an executable segment at file offset 0x1000 (address 0x401000), `data` in a writable one right after it. */
function elfImage(code: Buffer, data: Buffer): Buffer {
  const codeOff = 0x1000;
  const dataOff = codeOff + Math.ceil(code.length / 16) * 16;
  const out = Buffer.alloc(dataOff + data.length);
  out.set([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1]);
  out.writeUInt16LE(2, 16);
  out.writeUInt16LE(62, 18);
  out.writeBigUInt64LE(64n, 32);
  out.writeUInt16LE(56, 54);
  out.writeUInt16LE(2, 56);
  for (const [i, [off, size, flags]] of [[codeOff, code.length, 5], [dataOff, data.length, 6]].entries()) {
    const at = 64 + 56 * i;
    out.writeUInt32LE(1, at);
    out.writeUInt32LE(flags!, at + 4);
    out.writeBigUInt64LE(BigInt(off!), at + 8);
    out.writeBigUInt64LE(BigInt(0x400000 + off!), at + 16);
    out.writeBigUInt64LE(BigInt(size!), at + 32);
    out.writeBigUInt64LE(BigInt(size!), at + 40);
  }
  code.copy(out, codeOff);
  data.copy(out, dataOff);
  return out;
}

/**
 * One version of a program with a relocation table: `functions` functions of irregular lengths (when
 * `grown`, a 2 KiB block, the same each time, before every 37th one), and a data segment holding one
 * (slot address, 8, function address) entry per function (16 entries in a row name the same function,
 * as in a table of methods), `pad` bytes, then the slots.
 */
function relocatedProgram(functions: number, grown: boolean, pad: number): Buffer {
  const lengths = noise(functions, 21);
  const parts: Buffer[] = [];
  const addresses: number[] = [];
  let at = 0x401000;
  for (let k = 0; k < functions; k++) {
    if (grown && k % 37 === 5) {
      parts.push(noise(2048, 1000));
      at += 2048;
    }
    const body = noise(16 + (lengths[k]! % 48), 100 + k);
    addresses.push(at);
    parts.push(body);
    at += body.length;
  }
  const code = Buffer.concat(parts);
  const dataAddress = 0x400000 + 0x1000 + Math.ceil(code.length / 16) * 16;
  const slots = dataAddress + 24 * functions + pad;
  const table = Buffer.alloc(24 * functions);
  for (let k = 0; k < functions; k++) {
    table.writeBigUInt64LE(BigInt(slots + 8 * k), 24 * k);
    table.writeBigUInt64LE(8n, 24 * k + 8);
    table.writeBigUInt64LE(BigInt(addresses[Math.floor(k / 16)]!), 24 * k + 16);
  }
  return elfImage(code, Buffer.concat([table, Buffer.alloc(pad, 0x90), noise(8 * functions, 8)]));
}

test('a relocation table whose slots and targets moved (the data pass): exact in pieces, predictor x86-64, a few KB', { skip }, () => {
  // In the new version the slots start 64 KiB + 512 bytes later and the functions move by irregular
  // amounts, so new entry k holds the slot address old entry k + 8256 held; the encoder's second pass
  // matches the data segment against the old one as predicted.
  const base = relocatedProgram(12000, false, 0);
  const content = relocatedProgram(12000, true, 0x10200);
  const stored = encode(base, content);
  assert.equal(stored[5], 1, 'predictor x86-64');
  assert.ok(encode(base, content).equals(stored), 'deterministic');
  for (const chunk of [8, 4099, undefined]) {
    for (const core of ['auto', 'typescript'] as const) assert.ok(decode(stored, base, content.length, chunk, core).equals(content), `pieces of ${chunk}, ${core}`);
  }
  // What is left: one 2 KiB block of new code, the pad and slots (compressible or copied), the controls.
  assert.ok(stored.length < 4000, `${stored.length} stored bytes`);
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
  for (const core of ['auto', 'typescript'] as const) {
    assert.ok(decode(craft(), base, 48, undefined, core).equals(content));
    assert.ok(decode(craft(), base, 48, 8, core).equals(content));
  }
});

test('the exediff WebAssembly core is built', { skip: needsSetup('the exediff WebAssembly core', coreModule() !== null, 'apt-get install -y clang lld && npm run build') }, () => {
  assert.ok(coreModule() !== null);
});

// The real pairs of bench/exediff-apply.mjs, where its cache holds them: both decoders give the new file.
const cache = process.env['SERVICEPACK_BENCH_CACHE'] ?? '/tmp/servicepack-bench-cache';
for (const [name, release] of [['esbuild', 'esbuild-linux-x64-0.28.1'], ['esbuild-win32', 'esbuild-win32-x64-0.28.1'], ['biome', 'biomejs-cli-linux-x64-2.6.7']] as const) {
  const pack = join(cache, 'exediff-apply', `${name}.svp`);
  test(`the ${name} pair of the apply bench: the WebAssembly core and the TypeScript decoder both give the new file`, { skip: !existsSync(pack) || coreModule() === null ? `needs ${pack} (node bench/exediff-apply.mjs ${name}) and the WebAssembly core` : false }, () => {
    const reader = openPack(pack);
    try {
      for (const e of reader.manifest.entries) {
        const blob = e.blob === undefined ? undefined : reader.manifest.blobs[e.blob];
        if (blob?.encoding !== 'exediff') continue;
        const old = readFileSync(join(cache, release, 'package', e.path));
        const stored = Buffer.alloc(blob.storedSize);
        readSync(reader.fd, stored, 0, blob.storedSize, reader.payloadOffset + blob.offset);
        for (const core of ['auto', 'typescript'] as const) assert.equal(sha256Hex(decode(stored, old, blob.size, undefined, core)), blob.sha256, `${e.path}, ${core}`);
      }
    } finally {
      reader.close();
    }
  });
}

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
    for (const core of ['auto', 'typescript'] as const) assert.throws(() => decode(make(), base, 48, undefined, core), (err: unknown) => err instanceof ServicePackError && err.code === 'PACK_CORRUPT' && message.test(err.message));
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
