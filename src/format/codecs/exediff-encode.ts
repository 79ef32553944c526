// Encoder of `exediff` blobs (build side): the native matcher and predictor produce the raw streams,
// each is compressed as one zstd frame, and the result is decoded once with the reader's own decoder
// and compared with the content, so a blob that would not decode exactly is never written.
import { createHash } from 'node:crypto';
import { sha256Hex } from '../hash.js';
import { newCompressor, zstd } from '../zstd.js';
import type { DecodeContext, EncodeInput, EncodedBlob } from './codec.js';
import { encodeHeader, encodeLayout, PREDICTOR_NONE, PREDICTOR_X86_64, type Segment } from './exediff-container.js';
import { decodeExediff } from './exediff-decode.js';
import { exediffNative } from './exediff-native.js';
import { executableLayout } from './exe-layout.js';

/** The largest old file the encoder takes: its suffix array has 32-bit entries. */
export const EXEDIFF_MAX_OLD = 0x7fffffff;

/**
 * Tuning of the region selection (chosen on esbuild 0.28.1→0.28.2, docs/benchmarks.md "exediff"): seed matches
 * must beat the previous region's diagonal by this many bytes; then the cost, in compressed bytes,
 * of a literal byte, of a byte the prediction misses, and of one region's controls.
 */
export const EXEDIFF_COSTS = { minMatch: 4, literal: 0.3, miss: 1, control: 24 };

/** Memory the encoder needs beyond the two files: the suffix array (4 bytes per old byte), its streams and zstd's tables. */
export function exediffMemory(oldSize: number, newSize: number): number {
  return 4 * oldSize + 3 * newSize + (64 << 20);
}

/** One stream as one zstd frame (nothing for an empty stream). */
export function compressStream(raw: Uint8Array, level: number): Buffer {
  if (raw.length === 0) return Buffer.alloc(0);
  const z = zstd();
  const cctx = newCompressor(level);
  cctx.setParameter(z.CParameter.windowLog, Math.min(27, Math.max(10, Math.ceil(Math.log2(raw.length)))));
  cctx.setParameter(z.CParameter.enableLongDistanceMatching, 1);
  const out = Buffer.allocUnsafe(z.compressBound(raw.length));
  const n = cctx.compress2(out, raw);
  return Buffer.from(out.subarray(0, n));
}

function layoutNumbers(oldL: Segment[] | undefined, newL: Segment[] | undefined): Float64Array {
  if (oldL === undefined || newL === undefined) return Float64Array.of(0, 0);
  return Float64Array.from([oldL.length, newL.length, ...[...oldL, ...newL].flatMap((s) => [s.off, s.fileSize, s.vaddr, s.memSize, s.exec ? 1 : 0])]);
}

export function encodeExediff(input: EncodeInput, write: (chunk: Uint8Array) => void): EncodedBlob | null {
  const { base, content } = input;
  if (base === undefined || content === undefined) throw new Error('exediff encodes a content in memory against its base');
  const native = exediffNative();
  if (native === null || base.length === 0 || base.length > EXEDIFF_MAX_OLD) return null;
  const release = input.reserve === undefined ? () => {} : input.reserve(exediffMemory(base.length, content.length));
  if (release === null) return null;
  let stored: Buffer;
  try {
    const oldL = executableLayout(base);
    const newL = executableLayout(content);
    const predictor = oldL !== undefined && newL !== undefined ? PREDICTOR_X86_64 : PREDICTOR_NONE;
    const c = EXEDIFF_COSTS;
    const [controls, diff, extra, regions] = native.exediff(base, content, layoutNumbers(oldL, newL), Float64Array.of(c.minMatch, c.literal, c.miss, c.control));
    const layout = predictor === PREDICTOR_X86_64 ? encodeLayout({ old: oldL!, new: newL! }) : Buffer.alloc(0);
    const raws = [layout, controls, diff, extra];
    const frames = raws.map((r) => compressStream(r, input.level));
    const header = encodeHeader({ predictor, oldSize: base.length, newSize: content.length, regions, raw: raws.map((r) => r.length), stored: frames.map((f) => f.length) });
    stored = Buffer.concat([header, ...frames]);
  } finally {
    release();
  }
  const sha256 = sha256Hex(content);
  if (decodedSha256(stored, base, content.length) !== sha256) return null;
  write(stored);
  return { size: content.length, sha256, storedSize: stored.length, storedSha256: sha256Hex(stored) };
}

/** The sha256 of what the reader decodes from `stored`, or '' when it refuses it. */
function decodedSha256(stored: Buffer, base: Uint8Array, size: number): string {
  const hash = createHash('sha256');
  let given = false;
  const ctx: DecodeContext = {
    blob: { offset: 0, storedSize: stored.length, storedSha256: '', encoding: 'exediff', size, sha256: '' },
    base,
    nextStored: () => (given ? null : ((given = true), stored)),
    write: (chunk) => hash.update(chunk),
    corrupt: (expected, actual) => {
      throw new Error(`exediff check decode: expected ${expected}, found ${actual}`);
    },
    scratch: new Map(),
  };
  try {
    decodeExediff(ctx);
  } catch (err) {
    if (err instanceof Error && err.message.startsWith('exediff check decode')) return '';
    throw err;
  }
  return hash.digest('hex');
}
