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

/** First bytes that may start a recognised rel32 form: the scan skips every other byte with one load. */
const FIRST = (() => {
  const t = table([0xe8, 0xe9, 0x0f, 0xff, ...Array.from({ length: 16 }, (_, i) => 0x40 + i)]);
  for (let b = 0; b < 256; b++) if (MODRM_OPS[b] === 1) t[b] = 1;
  return t;
})();

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

export function x86Predictor(old: Uint8Array, layout: Layout, regions: Regions): Predictor {
  const oldSegs = layout.old;
  const newSegs = layout.new;
  // Regions by old offset, ties by new offset: new offsets are distinct, so the order is total.
  const order = Array.from({ length: regions.count }, (_, i) => i).sort((a, b) => regions.olds[a]! - regions.olds[b]! || regions.news[a]! - regions.news[b]!);
  const sOld = Float64Array.from(order, (i) => regions.olds[i]!);
  const sNew = Float64Array.from(order, (i) => regions.news[i]!);
  const sLen = Float64Array.from(order, (i) => regions.lens[i]!);
  const lowV = oldSegs.length === 0 ? 0 : oldSegs[0]!.vaddr;
  const highV = oldSegs.length === 0 ? 0 : oldSegs[oldSegs.length - 1]!.vaddr + oldSegs[oldSegs.length - 1]!.memSize;

  /** Index of the segment whose addresses hold `v` (sorted, disjoint), or -1. */
  const segByAddr = (segs: Segment[], v: number): number => {
    let lo = 0;
    let hi = segs.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const s = segs[mid]!;
      if (v < s.vaddr) hi = mid - 1;
      else if (v >= s.vaddr + s.memSize) lo = mid + 1;
      else return mid;
    }
    return -1;
  };
  /** Index of the segment whose file bytes hold offset `x`, or -1. */
  const segByOff = (segs: Segment[], x: number): number => {
    let lo = 0;
    let hi = segs.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const s = segs[mid]!;
      if (x < s.off) hi = mid - 1;
      else if (x >= s.off + s.fileSize) lo = mid + 1;
      else return mid;
    }
    return -1;
  };
  /** Where the old address `t` is in the new file's address space, or -1 when it cannot be told. */
  const mapAddr = (t: number): number => {
    if (t < lowV || t >= highV) return -1;
    const j = segByAddr(oldSegs, t);
    if (j < 0) return -1;
    const s = oldSegs[j]!;
    if (t < s.vaddr + s.fileSize) {
      const x = t - s.vaddr + s.off;
      // The last region (in (old, new) order) starting at or before x.
      let lo = 0;
      let hi = sOld.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (sOld[mid]! <= x) lo = mid + 1;
        else hi = mid;
      }
      const r = lo - 1;
      if (r >= 0 && x < sOld[r]! + sLen[r]!) {
        const y = x - sOld[r]! + sNew[r]!;
        const m = segByOff(newSegs, y);
        if (m >= 0) return y - newSegs[m]!.off + newSegs[m]!.vaddr;
      }
    }
    if (j >= newSegs.length) return -1;
    const moved = t - s.vaddr + newSegs[j]!.vaddr;
    return moved > Number.MAX_SAFE_INTEGER ? -1 : moved;
  };

  return {
    piece(out, outAt, o, n, len, k, piece, state) {
      const end = k + piece;
      let i = state.next;
      let j = segByOffFrom(oldSegs, o + i);
      while (i < end) {
        if (j >= oldSegs.length) {
          i = end;
          break;
        }
        const s = oldSegs[j]!;
        const p0 = o + i;
        if (p0 < s.off) {
          i = Math.min(end, s.off - o);
          continue;
        }
        const segEnd = Math.min(end, s.off + s.fileSize - o);
        if (i >= segEnd) {
          j++;
          continue;
        }
        if (s.exec) {
          for (; i < segEnd; i++) {
            const p = nextCandidate(old, o + i, o + segEnd);
            i = p - o;
            if (i >= segEnd) break;
            const b = old[p]!;
            let f = 0;
            if (b === 0xe8 || b === 0xe9) f = 1;
            else if (b === 0x0f) {
              const c = old[p + 1]!;
              if ((c & 0xf0) === 0x80) f = 2;
              else if (SSE_OPS[c] === 1 && (old[p + 2]! & 0xc7) === 5) f = 3;
            } else if (b === 0xff) {
              const c = old[p + 1];
              if (c === 0x15 || c === 0x25 || c === 0x35) f = 2;
            } else if ((b & 0xf0) === 0x40) {
              if (MODRM_OPS[old[p + 1]!] === 1 && (old[p + 2]! & 0xc7) === 5) f = 3;
            } else if (MODRM_OPS[b] === 1 && (old[p + 1]! & 0xc7) === 5) f = 2;
            if (f === 0 || i + f + 4 > len) continue;
            const fp = p + f;
            const disp = old[fp]! | (old[fp + 1]! << 8) | (old[fp + 2]! << 16) | (old[fp + 3]! << 24);
            const t2 = mapAddr(fp + 4 - s.off + s.vaddr + disp);
            if (t2 < 0) continue;
            const q = n + i + f;
            const m = segByOff(newSegs, q);
            if (m < 0) continue;
            const d2 = t2 - (q + 4 - newSegs[m]!.off + newSegs[m]!.vaddr);
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
            const hi = (old[p + 4]! | (old[p + 5]! << 8) | (old[p + 6]! << 16) | (old[p + 7]! << 24)) >>> 0;
            if (hi >= 0x200000) continue;
            const v = hi * 0x100000000 + ((old[p]! | (old[p + 1]! << 8) | (old[p + 2]! << 16) | (old[p + 3]! << 24)) >>> 0);
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
function segByOffFrom(segs: Segment[], x: number): number {
  let lo = 0;
  let hi = segs.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (segs[mid]!.off + segs[mid]!.fileSize <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The first offset in [from, to) whose byte may start a rel32 form, or `to`. Offsets below 2^31 run as
 * small integers (V8 then indexes without converting doubles): the hot loop of the decoder.
 */
function nextCandidate(old: Uint8Array, from: number, to: number): number {
  if (to <= 0x7fffffff) {
    const end = to | 0;
    for (let q = from | 0; q < end; q++) if (FIRST[old[q]!] === 1) return q;
    return end;
  }
  for (let q = from; q < to; q++) if (FIRST[old[q]!] === 1) return q;
  return to;
}
