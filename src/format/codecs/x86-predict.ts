// The x86-64 reference predictor of `exediff` (docs/format.md, 'exediff predictor'): inside each copied
// region, references of the old file (rel32 displacements of calls, jumps and RIP-relative operands in
// executable segments; aligned 64-bit addresses elsewhere) are rewritten to where their target moved,
// projected through the copied regions. The encoder (native/exediff.c) applies the same rules, so the
// diff stream only carries what the prediction missed. Deterministic: every table is in a total order.
import type { Layout, Segment } from './exediff-container.js';

/** Opcodes that take a ModRM operand and no immediate (with or without a REX prefix). */
export const MODRM_OPS = table([0x01, 0x03, 0x09, 0x0b, 0x11, 0x13, 0x19, 0x1b, 0x21, 0x23, 0x29, 0x2b, 0x31, 0x33, 0x39, 0x3b, 0x63, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8a, 0x8b, 0x8d]);
/** Second bytes after 0F that take a ModRM operand and no immediate (SSE moves and arithmetic, movzx/movsx, imul). */
export const SSE_OPS = table([0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x28, 0x29, 0x2a, 0x2c, 0x2d, 0x2e, 0x2f, 0x51, 0x54, 0x55, 0x56, 0x57, 0x58, 0x59, 0x5a, 0x5b, 0x5c, 0x5d, 0x5e, 0x5f, 0x6e, 0x6f, 0x7e, 0x7f, 0xaf, 0xb6, 0xb7, 0xbe, 0xbf, 0xd4, 0xd6, 0xdb, 0xdf, 0xeb, 0xef, 0xfa, 0xfb, 0xfe]);

/**
 * The rel32 forms by their first two bytes (index b0 | b1 << 8): 0 none, 1 or 2 the field's offset f,
 * 3 f = 3 when the third byte is a RIP-relative ModRM. One load per byte finds the next form: 96% of
 * code bytes start none, and a table of first bytes alone let 41% through to slower checks. Built on
 * first use: every command that loads the codecs (an install of a pack without exediff blobs too) would
 * otherwise spend a few milliseconds of its start on it.
 */
let formsTable: Uint8Array | undefined;
export const rel32Forms = (): Uint8Array => (formsTable ??= buildForms());

function buildForms(): Uint8Array {
  const t = new Uint8Array(65536);
  for (let b0 = 0; b0 < 256; b0++) {
    for (let b1 = 0; b1 < 256; b1++) {
      let f = 0;
      if (b0 === 0xe8 || b0 === 0xe9) f = 1;
      else if (b0 === 0x0f) f = (b1 & 0xf0) === 0x80 ? 2 : SSE_OPS[b1] === 1 ? 3 : 0;
      else if (b0 === 0xff) f = b1 === 0x15 || b1 === 0x25 || b1 === 0x35 ? 2 : 0;
      else if ((b0 & 0xf0) === 0x40) f = MODRM_OPS[b1] === 1 ? 3 : 0;
      else if (MODRM_OPS[b0] === 1 && (b1 & 0xc7) === 5) f = 2;
      t[b0 | (b1 << 8)] = f;
    }
  }
  return t;
}

function table(ops: number[]): Uint8Array {
  const t = new Uint8Array(256);
  for (const op of ops) t[op] = 1;
  return t;
}

/** The copied regions, in control order (`news` ascending), with an index sorted by (old, new). */
export interface Regions {
  olds: Float64Array;
  news: Float64Array;
  lens: Float64Array;
  count: number;
}

export interface Predictor {
  /**
   * Rewrites the references in `out[outAt, outAt + piece)`, which holds the old bytes of region offsets
   * [k, k + piece) of a region copying `len` bytes from old offset `o` to new offset `n`. Returns how
   * many bytes are final: `piece`, or less when a reference crosses the piece's end (it is then
   * predicted at the start of the next piece). `state.next` carries the scan position from piece to piece.
   */
  piece(out: Uint8Array, outAt: number, o: number, n: number, len: number, k: number, piece: number, state: { next: number }): number;
}

const TWO_31 = 0x80000000;
/** Old offsets are indexed by pages of 2^PAGE_BITS bytes to find a region without searching them all. */
const PAGE_BITS = 12;
const PAGE = 2 ** PAGE_BITS;
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
/** Segments as columns of numbers: the lookups of the hot loop read no objects. */
interface SegColumns {
  count: number;
  off: Float64Array;
  fileEnd: Float64Array;
  vaddr: Float64Array;
  /** vaddr + fileSize: addresses below it (and from vaddr) hold file bytes. */
  fileVEnd: Float64Array;
  vEnd: Float64Array;
  exec: Uint8Array;
}

function columns(segs: Segment[]): SegColumns {
  const c = segs.length;
  const col: SegColumns = { count: c, off: new Float64Array(c), fileEnd: new Float64Array(c), vaddr: new Float64Array(c), fileVEnd: new Float64Array(c), vEnd: new Float64Array(c), exec: new Uint8Array(c) };
  segs.forEach((s, i) => {
    col.off[i] = s.off;
    col.fileEnd[i] = s.off + s.fileSize;
    col.vaddr[i] = s.vaddr;
    col.fileVEnd[i] = s.vaddr + s.fileSize;
    col.vEnd[i] = s.vaddr + s.memSize;
    col.exec[i] = s.exec ? 1 : 0;
  });
  return col;
}

/** Index of the range [start[i], end[i]) that holds `x`, among `count` sorted disjoint ranges, or -1. */
function rangeHolding(start: Float64Array, end: Float64Array, count: number, x: number): number {
  let lo = 0;
  let hi = count - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (x < start[mid]!) hi = mid - 1;
    else if (x >= end[mid]!) lo = mid + 1;
    else return mid;
  }
  return -1;
}

/** Index of the segment whose file bytes hold offset `x`, or -1. */
const segByOff = (c: SegColumns, x: number): number => rangeHolding(c.off, c.fileEnd, c.count, x);

/** Index of the segment whose addresses hold `v` (sorted, disjoint), or -1. */
const segByAddr = (c: SegColumns, v: number): number => rangeHolding(c.vaddr, c.vEnd, c.count, v);

/**
 * The regions sorted by (old offset, new offset), and `first[g]`: how many of them start before old
 * offset g·PAGE. Regions come in new-offset order, so a stable sort by old offset is that total order:
 * a counting sort by page, then an insertion sort inside each page (Array sort for a crowded one,
 * so a blob cannot make it quadratic).
 */
export function sortByOld(regions: Regions, oldSize: number): { sorted: Float64Array; first: Int32Array } {
  const { olds, news, lens, count } = regions;
  const pages = Math.floor(Math.max(oldSize - 1, 0) / PAGE) + 1;
  const first = new Int32Array(pages + 1);
  for (let r = 0; r < count; r++) first[Math.floor(olds[r]! / PAGE) + 1]!++;
  for (let g = 1; g <= pages; g++) first[g]! += first[g - 1]!;
  const cursor = first.slice();
  const order = new Int32Array(count);
  for (let r = 0; r < count; r++) order[cursor[Math.floor(olds[r]! / PAGE)]!++] = r;
  for (let g = 0; g < pages; g++) {
    const lo = first[g]!;
    const hi = first[g + 1]!;
    if (hi - lo > 64) {
      order.subarray(lo, hi).set(Array.from(order.subarray(lo, hi)).sort((a, b) => olds[a]! - olds[b]! || a - b));
      continue;
    }
    for (let x = lo + 1; x < hi; x++) {
      const r = order[x]!;
      const v = olds[r]!;
      let y = x - 1;
      for (; y >= lo && olds[order[y]!]! > v; y--) order[y + 1] = order[y]!;
      order[y + 1] = r;
    }
  }
  // Per region, side by side (one cache line for a lookup): old offset, old end, new minus old offset.
  const sorted = new Float64Array(3 * count);
  for (let x = 0; x < count; x++) {
    const r = order[x]!;
    sorted[3 * x] = olds[r]!;
    sorted[3 * x + 1] = olds[r]! + lens[r]!;
    sorted[3 * x + 2] = news[r]! - olds[r]!;
  }
  return { sorted, first };
}

export function x86Predictor(old: Uint8Array, layout: Layout, regions: Regions): Predictor {
  const FORMS = rel32Forms();
  const os = columns(layout.old);
  const ns = columns(layout.new);
  const { sorted, first } = sortByOld(regions, old.length);
  // The old file as 32-bit words when they are little-endian, aligned and indexable as small integers:
  // a data word is then two loads, not eight.
  const words = LITTLE_ENDIAN && old.byteOffset % 4 === 0 && old.length < 2 ** 31 ? new Int32Array(old.buffer, old.byteOffset, old.length >>> 2) : undefined;
  const lowV = os.count === 0 ? 0 : os.vaddr[0]!;
  const highV = os.count === 0 ? 0 : os.vEnd[os.count - 1]!;
  // One-entry memories: mapAddr is a function of its argument (data holds the same value often), and
  // consecutive lookups mostly fall in the segment of the previous one.
  let lastT = -1;
  let lastMapped = -1;
  let lastOld = 0;
  let lastNew = 0;

  /** Index of the new segment whose file bytes hold `y`, or -1. */
  const newSeg = (y: number): number => {
    if (y >= ns.off[lastNew]! && y < ns.fileEnd[lastNew]!) return lastNew;
    const m = segByOff(ns, y);
    if (m >= 0) lastNew = m;
    return m;
  };
  /** Where the old address `t` is in the new file's address space, or -1 when it cannot be told. */
  const mapAddr = (t: number): number => {
    if (t < lowV || t >= highV) return -1;
    if (t === lastT) return lastMapped;
    let j = lastOld;
    if (!(t >= os.vaddr[j]! && t < os.vEnd[j]!)) {
      j = segByAddr(os, t);
      if (j < 0) return -1;
      lastOld = j;
    }
    let mapped = -1;
    if (t < os.fileVEnd[j]!) {
      const x = t - os.vaddr[j]! + os.off[j]!;
      // The last region (in (old, new) order) starting at or before x: among those starting in x's page.
      const g = x < 2 ** 32 ? x >>> PAGE_BITS : Math.floor(x / 2 ** PAGE_BITS);
      let lo = first[g]!;
      let hi = first[g + 1]!;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (sorted[3 * mid]! <= x) lo = mid + 1;
        else hi = mid;
      }
      const r = 3 * (lo - 1);
      if (r >= 0 && x < sorted[r + 1]!) {
        const y = x + sorted[r + 2]!;
        const m = newSeg(y);
        if (m >= 0) mapped = y - ns.off[m]! + ns.vaddr[m]!;
      }
    }
    if (mapped < 0 && j < ns.count) {
      const moved = t - os.vaddr[j]! + ns.vaddr[j]!;
      mapped = moved > Number.MAX_SAFE_INTEGER ? -1 : moved;
    }
    lastT = t;
    lastMapped = mapped;
    return mapped;
  };

  return {
    piece(out, outAt, o, n, len, k, piece, state) {
      const end = k + piece;
      let i = state.next;
      let j = segByOffFrom(os, o + i);
      while (i < end) {
        if (j >= os.count) {
          i = end;
          break;
        }
        const sOff = os.off[j]!;
        const p0 = o + i;
        if (p0 < sOff) {
          i = Math.min(end, sOff - o);
          continue;
        }
        const segEnd = Math.min(end, os.fileEnd[j]! - o);
        if (i >= segEnd) {
          j++;
          continue;
        }
        if (os.exec[j] === 1) {
          // Address of old offset p is p + vdelta.
          const vdelta = os.vaddr[j]! - sOff;
          for (; i < segEnd; i++) {
            const p = nextForm(old, o + i, o + segEnd);
            i = p - o;
            if (i >= segEnd) break;
            // A byte past the file's end reads as 0 (undefined in the table's index), which starts no form.
            const f = FORMS[old[p]! | (old[p + 1]! << 8)]!;
            if (i + f + 4 > len) continue;
            const fp = p + f;
            const disp = old[fp]! | (old[fp + 1]! << 8) | (old[fp + 2]! << 16) | (old[fp + 3]! << 24);
            const t2 = mapAddr(fp + 4 + vdelta + disp);
            if (t2 < 0) continue;
            const q = n + i + f;
            const m = newSeg(q);
            if (m < 0) continue;
            const d2 = t2 - (q + 4 - ns.off[m]! + ns.vaddr[m]!);
            if (d2 < -TWO_31 || d2 >= TWO_31) continue;
            if (i + f + 4 > end) {
              // Predicted in the next piece, which starts at the field (or at `end` when the field starts there or after).
              state.next = i;
              return Math.min(i + f, end) - k;
            }
            const w = outAt + i + f - k;
            out[w] = d2 & 0xff;
            out[w + 1] = (d2 >> 8) & 0xff;
            out[w + 2] = (d2 >> 16) & 0xff;
            out[w + 3] = (d2 >> 24) & 0xff;
            i += f + 3;
          }
        } else {
          for (i += (8 - (p0 % 8)) % 8; i < segEnd; i += 8) {
            if (i + 8 > len) break;
            const p = o + i;
            let vHi: number;
            let vLo: number;
            if (words !== undefined) {
              const wi = p >>> 2;
              vHi = words[wi + 1]! >>> 0;
              if (vHi >= 0x200000) continue;
              vLo = words[wi]! >>> 0;
            } else {
              vHi = (old[p + 4]! | (old[p + 5]! << 8) | (old[p + 6]! << 16) | (old[p + 7]! << 24)) >>> 0;
              if (vHi >= 0x200000) continue;
              vLo = (old[p]! | (old[p + 1]! << 8) | (old[p + 2]! << 16) | (old[p + 3]! << 24)) >>> 0;
            }
            const v = vHi * 0x100000000 + vLo;
            const t2 = mapAddr(v);
            if (t2 < 0) continue;
            if (i + 8 > end) {
              state.next = i;
              return i - k;
            }
            const w = outAt + i - k;
            const lo = t2 % 0x100000000;
            const h2 = (t2 - lo) / 0x100000000;
            out[w] = lo & 0xff;
            out[w + 1] = (lo >>> 8) & 0xff;
            out[w + 2] = (lo >>> 16) & 0xff;
            out[w + 3] = (lo >>> 24) & 0xff;
            out[w + 4] = h2 & 0xff;
            out[w + 5] = (h2 >>> 8) & 0xff;
            out[w + 6] = (h2 >>> 16) & 0xff;
            out[w + 7] = (h2 >>> 24) & 0xff;
          }
          i = segEnd;
        }
      }
      state.next = i;
      return piece;
    },
  };
}

/** Index of the first segment whose file bytes end after offset `x` (segments sorted, disjoint). */
function segByOffFrom(c: SegColumns, x: number): number {
  let lo = 0;
  let hi = c.count;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (c.fileEnd[mid]! <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The first offset in [from, to) where a rel32 form starts, or `to`. Offsets below 2^31 run as small
 * integers (V8 then indexes without converting doubles), the previous byte carried in a register: the
 * hot loop of the decoder.
 */
function nextForm(old: Uint8Array, from: number, to: number): number {
  const FORMS = rel32Forms();
  if (to <= 0x7fffffff) {
    const end = to | 0;
    let q = from | 0;
    let b0 = old[q]! | 0;
    for (; q < end; q++) {
      const b1 = old[q + 1]! | 0;
      const v = FORMS[b0 | (b1 << 8)]!;
      b0 = b1;
      if (v !== 0 && (v !== 3 || (old[q + 2]! & 0xc7) === 5)) return q;
    }
    return end;
  }
  for (let q = from; q < to; q++) {
    const v = FORMS[old[q]! | (old[q + 1]! << 8)]!;
    if (v !== 0 && (v !== 3 || (old[q + 2]! & 0xc7) === 5)) return q;
  }
  return to;
}
