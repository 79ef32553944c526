// Decoder of `exediff` blobs (docs/format.md, 'exediff'): checks the header and every control value
// before use, then writes the new content in pieces of at most 1 MiB: literal bytes from the extra
// stream, copied regions of the base (with the x86-64 predictor's rewrites) plus the diff stream.
// Memory: the base, the stored bytes, the regions (24 bytes each, at most one per 16 content bytes),
// zstd's two stream windows and 2 MiB of buffers.
import { CHUNK_SIZE } from '../hash.js';
import { zstd, type ZstdBinding } from '../zstd.js';
import type { DecodeContext } from './codec.js';
import { MAX_VARINT_BYTES, MIN_REGION, PREDICTOR_X86_64, parseHeader, parseLayout, type StreamSlice } from './exediff-container.js';
import { x86Predictor, type Predictor, type Regions } from './x86-predict.js';
import { zstdPull } from './zstd-pull.js';

type DCtx = InstanceType<ZstdBinding['DCtx']>;

interface ExediffScratch {
  dctx: [DCtx, DCtx];
  out: Buffer;
  diff: Buffer;
}

/** Reads all stored bytes of the blob (the streams are read side by side). */
function readStored(ctx: DecodeContext): Buffer {
  const stored = Buffer.allocUnsafe(ctx.blob.storedSize);
  let at = 0;
  for (let c = ctx.nextStored(); c !== null; c = ctx.nextStored()) {
    c.copy(stored, at);
    at += c.length;
  }
  return stored;
}

/** Decompresses a small stream whole (its length was checked against the header's bounds). */
function inflate(ctx: DecodeContext, dctx: DCtx, name: string, s: StreamSlice): Buffer {
  const out = Buffer.allocUnsafe(s.raw);
  const pull = zstdPull(ctx, dctx, name, s.stored, s.raw);
  pull.read(out, 0, s.raw);
  pull.finish();
  return out;
}

/** Reads the controls: R gaps, then R lengths, then R zigzag old offsets, each an LEB128 varint. */
function parseControls(ctx: DecodeContext, raw: Buffer, count: number, oldSize: number, newSize: number): Regions & { copied: number } {
  let at = 0;
  const varint = (what: string): number => {
    let v = 0;
    let scale = 1;
    for (let n = 0; ; n++) {
      if (n === MAX_VARINT_BYTES || at >= raw.length) throw ctx.corrupt(`a varint of at most ${MAX_VARINT_BYTES} bytes for ${what}`, at >= raw.length ? 'the end of the controls stream' : 'a longer one');
      const b = raw[at++]!;
      v += (b & 0x7f) * scale;
      scale *= 128;
      if ((b & 0x80) === 0) return v;
    }
  };
  const gaps = new Float64Array(count);
  const lens = new Float64Array(count);
  const olds = new Float64Array(count);
  const news = new Float64Array(count);
  for (let i = 0; i < count; i++) gaps[i] = varint(`region ${i}'s gap`);
  for (let i = 0; i < count; i++) lens[i] = varint(`region ${i}'s length`);
  let pos = 0;
  let oldEnd = 0;
  let copied = 0;
  for (let i = 0; i < count; i++) {
    const z = varint(`region ${i}'s old offset`);
    const old = oldEnd + (z % 2 === 0 ? z / 2 : -(z + 1) / 2);
    const len = lens[i]!;
    pos += gaps[i]!;
    if (len < MIN_REGION) throw ctx.corrupt(`region ${i} copying at least ${MIN_REGION} bytes`, `${len} bytes`);
    if (pos + len > newSize) throw ctx.corrupt(`region ${i} inside the ${newSize}-byte new content`, `bytes ${pos} to ${pos + len}`);
    if (old < 0 || old + len > oldSize) throw ctx.corrupt(`region ${i} inside the ${oldSize}-byte base`, `bytes ${old} to ${old + len}`);
    olds[i] = old;
    news[i] = pos;
    pos += len;
    oldEnd = old + len;
    copied += len;
  }
  if (at !== raw.length) throw ctx.corrupt(`a controls stream of ${at} bytes for ${count} regions`, `${raw.length} bytes`);
  return { olds, news, lens, count, copied };
}

/** Decodes through `ctx`, in pieces of at most `chunkSize` bytes (at least 8; tests use small ones). */
export function decodeExediff(ctx: DecodeContext, chunkSize = CHUNK_SIZE): void {
  if (chunkSize < 8) throw new Error('exediff decodes in pieces of at least 8 bytes');
  const base = ctx.base!;
  const z = zstd();
  const scratch = (ctx.scratch.get('exediff') as ExediffScratch | undefined) ?? {
    dctx: [new z.DCtx(), new z.DCtx()],
    out: Buffer.allocUnsafe(CHUNK_SIZE),
    // Its own ArrayBuffer, 4-byte aligned: addDiff reads it as 32-bit words.
    diff: Buffer.allocUnsafeSlow(CHUNK_SIZE),
  };
  ctx.scratch.set('exediff', scratch);
  const stored = readStored(ctx);
  const h = parseHeader(ctx, stored, base.length);
  const [d0, d1] = scratch.dctx;
  const layout = h.predictor === PREDICTOR_X86_64 ? parseLayout(ctx, inflate(ctx, d0, 'layout', h.streams.layout), h.oldSize, h.newSize) : undefined;
  const regions = parseControls(ctx, inflate(ctx, d0, 'controls', h.streams.controls), h.regions, h.oldSize, h.newSize);
  if (regions.copied !== h.streams.diff.raw) throw ctx.corrupt(`a diff stream as long as the copied regions (${regions.copied} bytes)`, `${h.streams.diff.raw} bytes`);
  const predictor: Predictor | undefined = layout === undefined ? undefined : x86Predictor(base, layout, regions);
  const diff = zstdPull(ctx, d0, 'diff', h.streams.diff.stored, h.streams.diff.raw);
  const extra = zstdPull(ctx, d1, 'extra', h.streams.extra.stored, h.streams.extra.raw);
  const out = chunkSize === CHUNK_SIZE ? scratch.out : Buffer.allocUnsafe(chunkSize);
  const diffBuf = chunkSize === CHUNK_SIZE ? scratch.diff : Buffer.allocUnsafeSlow(chunkSize);
  const diffWords = new Uint32Array(diffBuf.buffer, diffBuf.byteOffset, diffBuf.length >>> 2);
  let fill = 0;
  const flush = (): void => {
    if (fill > 0) ctx.write(out.subarray(0, fill));
    fill = 0;
  };
  const literal = (count: number): void => {
    while (count > 0) {
      if (fill === out.length) flush();
      const k = Math.min(count, out.length - fill);
      extra.read(out, fill, k);
      fill += k;
      count -= k;
    }
  };
  let pos = 0;
  const state = { next: 0 };
  for (let r = 0; r < regions.count; r++) {
    const o = regions.olds[r]!;
    const n = regions.news[r]!;
    const len = regions.lens[r]!;
    literal(n - pos);
    state.next = 0;
    for (let k = 0; k < len;) {
      // A piece holds a whole reference (8 bytes at most) unless the region ends first.
      if (out.length - fill < Math.min(8, len - k)) flush();
      let piece = Math.min(len - k, out.length - fill);
      out.set(base.subarray(o + k, o + k + piece), fill);
      if (predictor !== undefined) piece = predictor.piece(out, fill, o, n, len, k, piece, state);
      diff.read(diffBuf, 0, piece);
      addDiff(out, fill, diffBuf, diffWords, piece);
      fill += piece;
      k += piece;
    }
    pos = n + len;
  }
  literal(h.newSize - pos);
  flush();
  diff.finish();
  extra.finish();
}

/**
 * out[at + i] += diff[i] (mod 256) for i < n. Most diff bytes are zero: whole zero 32-bit words are
 * skipped with one comparison. `words` views `diff` (which starts 4-byte aligned).
 */
function addDiff(out: Uint8Array, at: number, diff: Uint8Array, words: Uint32Array, n: number): void {
  const whole = n >>> 2;
  for (let w = 0; w < whole; w++) {
    if (words[w] === 0) continue;
    const i = w << 2;
    out[at + i] = (out[at + i]! + diff[i]!) & 0xff;
    out[at + i + 1] = (out[at + i + 1]! + diff[i + 1]!) & 0xff;
    out[at + i + 2] = (out[at + i + 2]! + diff[i + 2]!) & 0xff;
    out[at + i + 3] = (out[at + i + 3]! + diff[i + 3]!) & 0xff;
  }
  for (let i = whole << 2; i < n; i++) out[at + i] = (out[at + i]! + diff[i]!) & 0xff;
}
