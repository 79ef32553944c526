// The stored form of an `exediff` blob (docs/format.md, 'exediff'): a 96-byte header, then four zstd
// frames (layout, controls, diff, extra). Parsing checks every declared length against the others and
// against the blob before anything is allocated or decompressed.
import type { DecodeContext } from './codec.js';

export const EXEDIFF_MAGIC = Buffer.from('SPXD', 'latin1');
export const EXEDIFF_VERSION = 1;
export const EXEDIFF_HEADER_SIZE = 96;
/** Every region copies at least this many bytes: it bounds the region count by the content size. */
export const MIN_REGION = 16;
/** A varint of the control stream holds at most 53 bits: 8 bytes of 7 bits. */
export const MAX_VARINT_BYTES = 8;
/** At most this many segments per file in the layout (PE allows 96 sections). */
export const MAX_SEGMENTS = 96;
export const SEGMENT_BYTES = 33;

export const PREDICTOR_NONE = 0;
export const PREDICTOR_X86_64 = 1;

export const STREAMS = ['layout', 'controls', 'diff', 'extra'] as const;
export type StreamName = (typeof STREAMS)[number];

export interface StreamSlice {
  raw: number;
  stored: Uint8Array;
}

export interface ExediffHeader {
  predictor: number;
  oldSize: number;
  newSize: number;
  regions: number;
  streams: Record<StreamName, StreamSlice>;
}

/** A mapped range of an executable: file bytes [off, off + fileSize) at addresses [vaddr, vaddr + memSize). */
export interface Segment {
  off: number;
  fileSize: number;
  vaddr: number;
  memSize: number;
  exec: boolean;
}

export interface Layout {
  old: Segment[];
  new: Segment[];
}

/** A u64 little-endian at `at` as a number, or -1 when it is 2^53 or more. */
export function readU64(b: Uint8Array, at: number): number {
  const lo = (b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16) | (b[at + 3]! << 24)) >>> 0;
  const hi = (b[at + 4]! | (b[at + 5]! << 8) | (b[at + 6]! << 16) | (b[at + 7]! << 24)) >>> 0;
  return hi >= 0x200000 ? -1 : hi * 0x100000000 + lo;
}

export function writeU64(b: Uint8Array, at: number, v: number): void {
  const lo = v % 0x100000000;
  const hi = Math.floor(v / 0x100000000);
  for (let i = 0; i < 4; i++) {
    b[at + i] = (lo >>> (8 * i)) & 0xff;
    b[at + 4 + i] = (hi >>> (8 * i)) & 0xff;
  }
}

/** Parses and checks the header of `stored` (the whole blob) for a base of `baseSize` bytes. */
export function parseHeader(ctx: DecodeContext, stored: Uint8Array, baseSize: number): ExediffHeader {
  const bad = (what: string, actual: string): never => {
    throw ctx.corrupt(what, actual);
  };
  if (stored.length < EXEDIFF_HEADER_SIZE) bad(`an exediff header of ${EXEDIFF_HEADER_SIZE} bytes`, `${stored.length} stored bytes`);
  if (!EXEDIFF_MAGIC.equals(stored.subarray(0, 4))) bad('the exediff magic SPXD', 'other bytes');
  if (stored[4] !== EXEDIFF_VERSION) bad(`exediff version ${EXEDIFF_VERSION}`, `version ${stored[4]}`);
  const predictor = stored[5]!;
  if (predictor !== PREDICTOR_NONE && predictor !== PREDICTOR_X86_64) bad('predictor 0 (none) or 1 (x86-64)', `predictor ${predictor}`);
  if (stored[6] !== 0 || stored[7] !== 0) bad('zero reserved bytes', 'non-zero reserved bytes');
  const u64 = (at: number, what: string): number => {
    const v = readU64(stored, at);
    if (v < 0) bad(`${what} below 2^53`, 'a larger value');
    return v;
  };
  const oldSize = u64(8, 'the old size');
  const newSize = u64(16, 'the new size');
  const regions = u64(24, 'the region count');
  if (oldSize !== baseSize) bad(`an old size of ${baseSize} bytes (the base)`, `${oldSize}`);
  if (newSize !== ctx.blob.size) bad(`a new size of ${ctx.blob.size} bytes (the blob's size)`, `${newSize}`);
  if (regions > Math.floor(newSize / MIN_REGION)) bad(`at most ${Math.floor(newSize / MIN_REGION)} regions (one per ${MIN_REGION} bytes)`, `${regions}`);
  let at = EXEDIFF_HEADER_SIZE;
  const streams = {} as Record<StreamName, StreamSlice>;
  for (const [i, name] of STREAMS.entries()) {
    const raw = u64(32 + 16 * i, `the ${name} stream's length`);
    const storedLength = u64(40 + 16 * i, `the ${name} stream's stored length`);
    if ((raw === 0) !== (storedLength === 0)) bad(`a ${name} stream stored empty exactly when it is empty`, `${storedLength} stored bytes for ${raw}`);
    if (storedLength > stored.length - at) bad(`${name} stream within the blob's ${stored.length} stored bytes`, `${storedLength} bytes at ${at}`);
    streams[name] = { raw, stored: stored.subarray(at, at + storedLength) };
    at += storedLength;
  }
  if (at !== stored.length) bad(`streams ending at the blob's end (${stored.length} bytes)`, `streams ending at ${at}`);
  const layoutRaw = streams.layout.raw;
  if (predictor === PREDICTOR_NONE && layoutRaw !== 0) bad('no layout stream without a predictor', `${layoutRaw} bytes`);
  if (predictor === PREDICTOR_X86_64 && (layoutRaw < 2 || layoutRaw > 2 + 2 * MAX_SEGMENTS * SEGMENT_BYTES)) bad(`a layout stream of 2 to ${2 + 2 * MAX_SEGMENTS * SEGMENT_BYTES} bytes`, `${layoutRaw} bytes`);
  const controls = streams.controls.raw;
  if (controls < 3 * regions || controls > 3 * MAX_VARINT_BYTES * regions) bad(`a controls stream of ${3 * regions} to ${3 * MAX_VARINT_BYTES * regions} bytes for ${regions} regions`, `${controls} bytes`);
  if (streams.diff.raw + streams.extra.raw !== newSize) bad(`diff and extra streams of ${newSize} bytes together`, `${streams.diff.raw + streams.extra.raw}`);
  return { predictor, oldSize, newSize, regions, streams };
}

/** Parses and checks the layout stream: segments inside their file, sorted and disjoint by offset and by address. */
export function parseLayout(ctx: DecodeContext, raw: Uint8Array, oldSize: number, newSize: number): Layout {
  const oldCount = raw[0]!;
  const newCount = raw[1]!;
  if (oldCount > MAX_SEGMENTS || newCount > MAX_SEGMENTS || raw.length !== 2 + SEGMENT_BYTES * (oldCount + newCount)) {
    throw ctx.corrupt(`a layout of at most ${MAX_SEGMENTS} segments per file, ${SEGMENT_BYTES} bytes each`, `${oldCount} and ${newCount} segments in ${raw.length} bytes`);
  }
  let at = 2;
  const list = (count: number, fileSize: number, which: string): Segment[] => {
    const out: Segment[] = [];
    for (let i = 0; i < count; i++, at += SEGMENT_BYTES) {
      const [off, size, vaddr, memSize] = [0, 8, 16, 24].map((d) => readU64(raw, at + d)) as [number, number, number, number];
      const flags = raw[at + 32]!;
      const where = `${which} segment ${i}`;
      if (off < 0 || size < 0 || vaddr < 0 || memSize < 0) throw ctx.corrupt(`${where}: values below 2^53`, 'a larger value');
      if (flags > 1) throw ctx.corrupt(`${where}: flags 0 or 1`, `${flags}`);
      if (size > memSize || off + size > fileSize || vaddr + memSize > Number.MAX_SAFE_INTEGER) {
        throw ctx.corrupt(`${where}: file bytes inside the ${fileSize}-byte file and no more than its mapped size`, `offset ${off}, ${size} bytes, ${memSize} mapped`);
      }
      const prev = out[i - 1];
      if (prev !== undefined && (prev.off + prev.fileSize > off || prev.vaddr + prev.memSize > vaddr)) {
        throw ctx.corrupt(`${where}: after segment ${i - 1} in the file and in memory, disjoint`, `offset ${off}, address ${vaddr}`);
      }
      out.push({ off, fileSize: size, vaddr, memSize, exec: flags === 1 });
    }
    return out;
  };
  const old = list(oldCount, oldSize, 'old');
  return { old, new: list(newCount, newSize, 'new') };
}

/** Serialises a layout (build side), the inverse of parseLayout. */
export function encodeLayout(layout: Layout): Buffer {
  const out = Buffer.alloc(2 + SEGMENT_BYTES * (layout.old.length + layout.new.length));
  out[0] = layout.old.length;
  out[1] = layout.new.length;
  let at = 2;
  for (const s of [...layout.old, ...layout.new]) {
    writeU64(out, at, s.off);
    writeU64(out, at + 8, s.fileSize);
    writeU64(out, at + 16, s.vaddr);
    writeU64(out, at + 24, s.memSize);
    out[at + 32] = s.exec ? 1 : 0;
    at += SEGMENT_BYTES;
  }
  return out;
}

/** Serialises the header (build side). */
export function encodeHeader(h: { predictor: number; oldSize: number; newSize: number; regions: number; raw: number[]; stored: number[] }): Buffer {
  const out = Buffer.alloc(EXEDIFF_HEADER_SIZE);
  EXEDIFF_MAGIC.copy(out, 0);
  out[4] = EXEDIFF_VERSION;
  out[5] = h.predictor;
  writeU64(out, 8, h.oldSize);
  writeU64(out, 16, h.newSize);
  writeU64(out, 24, h.regions);
  for (let i = 0; i < STREAMS.length; i++) {
    writeU64(out, 32 + 16 * i, h.raw[i]!);
    writeU64(out, 40 + 16 * i, h.stored[i]!);
  }
  return out;
}
