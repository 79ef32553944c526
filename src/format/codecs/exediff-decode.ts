// Decoder of `exediff` blobs (docs/format.md, 'exediff'): checks the header and every control value
// before use, then writes the new content in pieces of at most 1 MiB: literal bytes from the extra
// stream, copied regions of the base (with the x86-64 predictor's rewrites) plus the diff stream. The
// copied regions go through the WebAssembly core (exediff-wasm.ts) where it is built, through
// x86Predictor and addDiff here otherwise: the same bytes.
// Memory (docs/format.md): the base, the stored bytes, 68 bytes per region (at most one per 16 content
// bytes), zstd's two stream windows, a 1 MiB extra block, and either the core's memory or 2 MiB more
// (the TypeScript decoder's output and diff blocks).
import { CHUNK_SIZE } from '../hash.js';
import { zstd, type ZstdBinding } from '../zstd.js';
import type { DecodeContext } from './codec.js';
import { MAX_VARINT_BYTES, MIN_REGION, PREDICTOR_X86_64, parseHeader, parseLayout, type StreamSlice } from './exediff-container.js';
import { exediffCore, LOOKAHEAD, type CoreInstance, type ExediffCore } from './exediff-wasm.js';
import { x86Predictor, type Predictor, type Regions } from './x86-predict.js';
import { zstdPull } from './zstd-pull.js';

type DCtx = InstanceType<ZstdBinding['DCtx']>;

interface ExediffScratch {
  dctx: [DCtx, DCtx];
  /** The output and diff blocks of the TypeScript decoder, made when it first runs (the core has its own). */
  out?: Buffer;
  /** Block buffers of the diff and extra streams (their own ArrayBuffers: addDiff reads 32-bit words). */
  diff?: Buffer;
  extra: Buffer;
  /** The WebAssembly core's instance (exediff-wasm.ts), once a blob used it. */
  core?: CoreInstance;
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
  const pull = zstdPull(ctx, dctx, name, s.stored, s.raw, out);
  pull.want(s.raw);
  pull.at = pull.end;
  pull.finish();
  return out;
}

/** Reads the controls: R gaps, then R lengths, then R zigzag old offsets, each an LEB128 varint. */
function parseControls(ctx: DecodeContext, raw: Buffer, count: number, oldSize: number, newSize: number): Regions & { copied: number } {
  let at = 0;
  const values = new Float64Array(3 * count);
  for (let v = 0; v < values.length; v++) {
    let x = 0;
    let scale = 1;
    for (let n = 0; ; n++) {
      if (n === MAX_VARINT_BYTES || at >= raw.length) {
        const what = v < count ? `region ${v}'s gap` : v < 2 * count ? `region ${v - count}'s length` : `region ${v - 2 * count}'s old offset`;
        throw ctx.corrupt(`a varint of at most ${MAX_VARINT_BYTES} bytes for ${what}`, at >= raw.length ? 'the end of the controls stream' : 'a longer one');
      }
      const b = raw[at++]!;
      x += (b & 0x7f) * scale;
      scale *= 128;
      if ((b & 0x80) === 0) break;
    }
    values[v] = x;
  }
  const gaps = values.subarray(0, count);
  const lens = values.subarray(count, 2 * count);
  const olds = new Float64Array(count);
  const news = new Float64Array(count);
  let pos = 0;
  let oldEnd = 0;
  let copied = 0;
  for (let i = 0; i < count; i++) {
    const z = values[2 * count + i]!;
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

/**
 * Decodes through `ctx`, in pieces of at most `chunkSize` bytes (at least 8; tests use small ones), with
 * the WebAssembly core where it is built (`core`: 'typescript' forces the reference decoder, which runs
 * otherwise).
 */
export function decodeExediff(ctx: DecodeContext, chunkSize = CHUNK_SIZE, core: 'auto' | 'typescript' = 'auto'): void {
  if (chunkSize < 8) throw new Error('exediff decodes in pieces of at least 8 bytes');
  const base = ctx.base!;
  const z = zstd();
  const scratch = (ctx.scratch.get('exediff') as ExediffScratch | undefined) ?? {
    dctx: [new z.DCtx(), new z.DCtx()],
    extra: Buffer.allocUnsafeSlow(CHUNK_SIZE),
  };
  ctx.scratch.set('exediff', scratch);
  const stored = readStored(ctx);
  const h = parseHeader(ctx, stored, base.length);
  const [d0, d1] = scratch.dctx;
  const layout = h.predictor === PREDICTOR_X86_64 ? parseLayout(ctx, inflate(ctx, d0, 'layout', h.streams.layout), h.oldSize, h.newSize) : undefined;
  const regions = parseControls(ctx, inflate(ctx, d0, 'controls', h.streams.controls), h.regions, h.oldSize, h.newSize);
  if (regions.copied !== h.streams.diff.raw) throw ctx.corrupt(`a diff stream as long as the copied regions (${regions.copied} bytes)`, `${h.streams.diff.raw} bytes`);
  const wasm = core === 'auto' ? exediffCore(scratch, chunkSize, base.length, layout, regions) : null;
  const predictor: Predictor | undefined = layout === undefined || wasm !== null ? undefined : x86Predictor(base, layout, regions);
  const full = chunkSize === CHUNK_SIZE;
  const diff = zstdPull(ctx, d0, 'diff', h.streams.diff.stored, h.streams.diff.raw, wasm?.diff ?? (full ? (scratch.diff ??= Buffer.allocUnsafeSlow(CHUNK_SIZE)) : Buffer.allocUnsafeSlow(chunkSize)));
  const extra = zstdPull(ctx, d1, 'extra', h.streams.extra.stored, h.streams.extra.raw, full ? scratch.extra : Buffer.allocUnsafeSlow(chunkSize));
  const diffBuf = diff.buf;
  const diffWords = new Uint32Array(diffBuf.buffer, diffBuf.byteOffset, diffBuf.length >>> 2);
  const out = wasm?.out ?? (full ? (scratch.out ??= Buffer.allocUnsafe(CHUNK_SIZE)) : Buffer.allocUnsafe(chunkSize));
  let fill = 0;
  const flush = (): void => {
    if (fill > 0) ctx.write(out.subarray(0, fill));
    fill = 0;
  };
  const literal = (count: number): void => {
    while (count > 0) {
      if (fill === out.length) flush();
      extra.want(1);
      const k = Math.min(count, out.length - fill, extra.end - extra.at);
      if (k === 0) throw new Error('the extra stream was read past its checked length');
      out.set(extra.buf.subarray(extra.at, extra.at + k), fill);
      extra.at += k;
      fill += k;
      count -= k;
    }
  };
  let pos = 0;
  const state = { next: 0 };
  const { olds, news, lens } = regions;
  for (let r = 0; r < regions.count; r++) {
    const o = olds[r]!;
    const n = news[r]!;
    const len = lens[r]!;
    literal(n - pos);
    if (wasm !== null) {
      fill = copyRegion(wasm, base, diff, o, n, len, fill, (filled) => {
        fill = filled;
        flush();
      });
      pos = n + len;
      continue;
    }
    state.next = 0;
    for (let k = 0; k < len;) {
      // A piece holds a whole reference (8 bytes at most) unless the region ends first.
      const whole = Math.min(8, len - k);
      if (out.length - fill < whole) flush();
      diff.want(whole);
      let piece = Math.min(len - k, out.length - fill, diff.end - diff.at);
      out.set(base.subarray(o + k, o + k + piece), fill);
      if (predictor !== undefined) piece = predictor.piece(out, fill, o, n, len, k, piece, state);
      if (piece === 0) throw new Error('an exediff region made no progress');
      addDiff(out, fill, diffBuf, diffWords, diff.at, piece);
      diff.at += piece;
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
 * One region through the WebAssembly core: per piece, the old bytes and the 8 after them (zeros past the
 * base's end, as the reference reads them) into the core's window, then the core's copy, prediction and
 * diff. Returns the output buffer's fill; `flush(fill)` writes and empties it.
 */
function copyRegion(core: ExediffCore, base: Uint8Array, diff: ReturnType<typeof zstdPull>, o: number, n: number, len: number, fill: number, flush: (fill: number) => void): number {
  const { out, win } = core;
  core.region(o, n, len);
  for (let k = 0; k < len;) {
    const whole = Math.min(8, len - k);
    if (out.length - fill < whole) {
      flush(fill);
      fill = 0;
    }
    diff.want(whole);
    const piece = Math.min(len - k, out.length - fill, diff.end - diff.at);
    const from = o + k;
    const to = Math.min(from + piece + LOOKAHEAD, base.length);
    win.set(base.subarray(from, to), 0);
    if (to - from < piece + LOOKAHEAD) win.fill(0, to - from, piece + LOOKAHEAD);
    const done = core.step(fill, k, piece, diff.at);
    if (done === 0) throw new Error('an exediff region made no progress');
    diff.at += done;
    fill += done;
    k += done;
  }
  return fill;
}

/**
 * out[at + i] += diff[from + i] (mod 256) for i < n. Most diff bytes are zero: whole zero 32-bit words
 * are skipped with one comparison. `words` views `diff`, which starts 4-byte aligned.
 */
function addDiff(out: Uint8Array, at: number, diff: Uint8Array, words: Uint32Array, from: number, n: number): void {
  const stop = from + n;
  let d = from;
  const head = Math.min(stop, (from + 3) & ~3);
  for (; d < head; d++) out[at + d - from] = (out[at + d - from]! + diff[d]!) & 0xff;
  const wEnd = stop >>> 2;
  for (let w = d >>> 2; w < wEnd; w++) {
    if (words[w] === 0) continue;
    const i = w << 2;
    const j = at + i - from;
    out[j] = (out[j]! + diff[i]!) & 0xff;
    out[j + 1] = (out[j + 1]! + diff[i + 1]!) & 0xff;
    out[j + 2] = (out[j + 2]! + diff[i + 2]!) & 0xff;
    out[j + 3] = (out[j + 3]! + diff[i + 3]!) & 0xff;
  }
  for (d = Math.max(d, wEnd << 2); d < stop; d++) out[at + d - from] = (out[at + d - from]! + diff[d]!) & 0xff;
}
