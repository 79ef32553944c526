// The x86-64 predictor against a plain reference of its rules (docs/format.md, 'exediff predictor'):
// the same rewrites, piece by piece, on generated code and data with references, regions that share old
// offsets (ties broken by new offset), crowded pages, and a base at an unaligned offset (bytes, not words);
// the WebAssembly core (native/x86-predict.c) against the same reference.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { needsSetup } from '../../../test/helpers/tools.js';
import type { Layout, Segment } from './exediff-container.js';
import { coreModule, exediffCore, LOOKAHEAD } from './exediff-wasm.js';
import { rel32Forms, MODRM_OPS, SSE_OPS, x86Predictor, type Predictor, type Regions } from './x86-predict.js';

/** A small deterministic generator (xorshift32). */
function rng(seed: number): (n: number) => number {
  let s = seed >>> 0 || 1;
  return (n) => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s % n;
  };
}

/** The rules as written in docs/format.md: linear searches, no tables, no memories. */
function reference(old: Uint8Array, layout: Layout, regions: Regions): Predictor {
  const order = Array.from({ length: regions.count }, (_, i) => i).sort((a, b) => regions.olds[a]! - regions.olds[b]! || regions.news[a]! - regions.news[b]!);
  const byAddr = (segs: Segment[], v: number): number => segs.findIndex((s) => v >= s.vaddr && v < s.vaddr + s.memSize);
  const byOff = (segs: Segment[], x: number): number => segs.findIndex((s) => x >= s.off && x < s.off + s.fileSize);
  const map = (t: number): number => {
    const j = byAddr(layout.old, t);
    if (j < 0) return -1;
    const s = layout.old[j]!;
    if (t < s.vaddr + s.fileSize) {
      const x = t - s.vaddr + s.off;
      let r = -1;
      for (const i of order) if (regions.olds[i]! <= x) r = i;
      if (r >= 0 && x < regions.olds[r]! + regions.lens[r]!) {
        const y = x - regions.olds[r]! + regions.news[r]!;
        const m = byOff(layout.new, y);
        if (m >= 0) return y - layout.new[m]!.off + layout.new[m]!.vaddr;
      }
    }
    if (j >= layout.new.length) return -1;
    const moved = t - s.vaddr + layout.new[j]!.vaddr;
    return moved > Number.MAX_SAFE_INTEGER ? -1 : moved;
  };
  const u32 = (p: number): number => (old[p]! | (old[p + 1]! << 8) | (old[p + 2]! << 16) | (old[p + 3]! << 24)) >>> 0;
  return {
    piece(out, outAt, o, n, len, k, piece, state) {
      const end = k + piece;
      let i = state.next;
      while (i < end) {
        const p = o + i;
        const j = layout.old.findIndex((s) => s.off + s.fileSize > p);
        if (j < 0) {
          i = end;
          break;
        }
        const s = layout.old[j]!;
        if (p < s.off) {
          i = Math.min(end, s.off - o);
          continue;
        }
        const segEnd = Math.min(end, s.off + s.fileSize - o);
        if (s.exec) {
          for (; i < segEnd; i++) {
            const q0 = o + i;
            const b = old[q0]!;
            const c = old[q0 + 1] ?? 0;
            const rip = ((old[q0 + 2] ?? 0) & 0xc7) === 5;
            let f = 0;
            if (b === 0xe8 || b === 0xe9) f = 1;
            else if (b === 0x0f && (c & 0xf0) === 0x80) f = 2;
            else if (b === 0x0f && SSE_OPS[c] === 1 && rip) f = 3;
            else if (b === 0xff && (c === 0x15 || c === 0x25 || c === 0x35)) f = 2;
            else if (b >= 0x40 && b <= 0x4f && MODRM_OPS[c] === 1 && rip) f = 3;
            else if (MODRM_OPS[b] === 1 && (c & 0xc7) === 5) f = 2;
            if (f === 0 || i + f + 4 > len) continue;
            const disp = u32(q0 + f) | 0;
            const t2 = map(q0 + f + 4 - s.off + s.vaddr + disp);
            const m = byOff(layout.new, n + i + f);
            if (t2 < 0 || m < 0) continue;
            const d2 = t2 - (n + i + f + 4 - layout.new[m]!.off + layout.new[m]!.vaddr);
            if (d2 < -(2 ** 31) || d2 >= 2 ** 31) continue;
            if (i + f + 4 > end) {
              state.next = i;
              return Math.min(i + f, end) - k;
            }
            for (let b2 = 0; b2 < 4; b2++) out[outAt + i + f - k + b2] = (d2 >> (8 * b2)) & 0xff;
            i += f + 3;
          }
        } else {
          for (i += (8 - (p % 8)) % 8; i < segEnd && i + 8 <= len; i += 8) {
            const hi = u32(o + i + 4);
            if (hi >= 0x200000) continue;
            const t2 = map(hi * 2 ** 32 + u32(o + i));
            if (t2 < 0) continue;
            if (i + 8 > end) {
              state.next = i;
              return i - k;
            }
            for (let b2 = 0; b2 < 8; b2++) out[outAt + i - k + b2] = Math.floor(t2 / 2 ** (8 * b2)) & 0xff;
          }
          i = segEnd;
        }
      }
      state.next = i;
      return piece;
    },
  };
}

/** Old content: code with calls, jumps and RIP-relative operands near the image, then data with addresses. */
function image(rand: (n: number) => number, size: number, execEnd: number, vbase: number): Uint8Array {
  const b = new Uint8Array(size);
  const forms = [[0xe8], [0xe9], [0x0f, 0x84], [0xff, 0x15], [0x48, 0x8b, 0x05], [0x4c, 0x8d, 0x0d], [0x0f, 0x10, 0x05], [0x89, 0x05], [0x8b, 0x3d]];
  let at = 0;
  while (at < execEnd - 8) {
    if (rand(3) === 0) {
      b[at++] = rand(256);
      continue;
    }
    for (const x of forms[rand(forms.length)]!) b[at++] = x;
    const disp = rand(3) === 0 ? rand(2 ** 32) : rand(120_000) - 60_000;
    for (let i = 0; i < 4; i++) b[at++] = (disp >>> (8 * i)) & 0xff;
  }
  for (at = (execEnd + 7) & ~7; at + 8 <= size; at += 8) {
    const kind = rand(4);
    const v = kind === 0 ? 0 : kind === 1 ? vbase + rand(size * 2) : kind === 2 ? rand(2 ** 32) + 2 ** 32 * rand(2 ** 22) : rand(64);
    for (let i = 0; i < 8; i++) b[at + i] = Math.floor(v / 2 ** (8 * i)) & 0xff;
  }
  return b;
}

/** Regions in new order; many of them short and copying from one crowded page (shared old offsets too). */
function regionsOf(rand: (n: number) => number, oldSize: number, newSize: number): Regions {
  const olds: number[] = [];
  const news: number[] = [];
  const lens: number[] = [];
  for (let pos = rand(64); ; ) {
    const crowded = rand(5) < 3;
    const len = crowded ? 16 + rand(16) : 16 + rand(1500);
    if (pos + len > newSize) break;
    const old = crowded ? 8192 + 16 * rand(40) : rand(oldSize - len + 1);
    olds.push(old);
    news.push(pos);
    lens.push(len);
    pos += len + rand(48);
  }
  return { olds: Float64Array.from(olds), news: Float64Array.from(news), lens: Float64Array.from(lens), count: olds.length };
}

/** Runs `p` over every region in pieces of 8 to 71 bytes, as the decoder does: the content and the piece lengths. */
function apply(p: Predictor, old: Uint8Array, regions: Regions, newSize: number, rand: (n: number) => number): { out: Uint8Array; pieces: number[] } {
  const out = new Uint8Array(newSize);
  const pieces: number[] = [];
  for (let r = 0; r < regions.count; r++) {
    const o = regions.olds[r]!;
    const n = regions.news[r]!;
    const len = regions.lens[r]!;
    const state = { next: 0 };
    for (let k = 0; k < len; ) {
      const piece = Math.min(len - k, 8 + rand(64));
      out.set(old.subarray(o + k, o + k + piece), n + k);
      const got = p.piece(out, n + k, o, n, len, k, piece, state);
      pieces.push(got);
      k += got;
    }
  }
  return { out, pieces };
}

/**
 * Runs the WebAssembly core over every region in pieces of 8 to 71 bytes (a zero diff), its window filled
 * as the decoder fills it: the content.
 */
function applyCore(old: Uint8Array, layout: Layout, regions: Regions, newSize: number, rand: (n: number) => number): Uint8Array {
  const core = exediffCore({}, 128, old.length, layout, regions);
  assert.ok(core !== null);
  core.diff.fill(0);
  const out = new Uint8Array(newSize);
  for (let r = 0; r < regions.count; r++) {
    const o = regions.olds[r]!;
    const n = regions.news[r]!;
    const len = regions.lens[r]!;
    core.region(o, n, len);
    for (let k = 0; k < len; ) {
      const piece = Math.min(len - k, 8 + rand(64));
      const to = Math.min(o + k + piece + LOOKAHEAD, old.length);
      core.win.fill(0).set(old.subarray(o + k, to));
      const got = core.step(0, k, piece, 0);
      assert.ok(got > 0 && got <= piece);
      out.set(core.out.subarray(0, got), n + k);
      k += got;
    }
  }
  return out;
}

/** Old images of 60,000 bytes (code, then data after a gap) and a new layout, with addresses from `vbase`. */
function layoutAt(vbase: number): Layout {
  return {
    old: [{ off: 0, fileSize: 40_000, vaddr: vbase, memSize: 40_000, exec: true }, { off: 40_960, fileSize: 19_040, vaddr: vbase + 0x20000, memSize: 30_000, exec: false }],
    new: [{ off: 0, fileSize: 41_000, vaddr: vbase, memSize: 41_000, exec: true }, { off: 41_984, fileSize: 20_000, vaddr: vbase + 0x21000, memSize: 30_000, exec: false }],
  };
}

const IMAGES = [['position-independent (addresses from 0)', 0], ['at 0x400000', 0x400000], ['at 2^40 (a PE image base)', 2 ** 40]] as const;

for (const [what, vbase] of IMAGES) {
  test(`the WebAssembly core rewrites exactly what the reference does, image ${what}`, { skip: needsSetup('the exediff WebAssembly core', coreModule() !== null, 'apt-get install -y clang lld && npm run build') }, () => {
    for (let seed = 1; seed <= 12; seed++) {
      const rand = rng(seed * 7919 + vbase);
      const bytes = image(rand, 60_000, 40_000, vbase);
      const layout = layoutAt(vbase);
      const regions = regionsOf(rand, 60_000, 62_000);
      const want = apply(reference(bytes, layout, regions), bytes, regions, 62_000, rng(seed * 31));
      // Other piece boundaries than the reference's: the content does not depend on them.
      assert.ok(Buffer.from(applyCore(bytes, layout, regions, 62_000, rng(seed * 37))).equals(Buffer.from(want.out)), `seed ${seed}: content`);
    }
  });
}

for (const [what, vbase] of IMAGES) {
  test(`the predictor rewrites exactly what the reference does, image ${what}, base aligned and not`, () => {
    for (let seed = 1; seed <= 12; seed++) {
      const rand = rng(seed * 7919 + vbase);
      const size = 60_000;
      const bytes = image(rand, size, 40_000, vbase);
      const layout = layoutAt(vbase);
      const regions = regionsOf(rand, size, 62_000);
      const crowd = Array.from(regions.olds).filter((o) => o >= 8192 && o < 12288).length;
      assert.ok(crowd > 64, `a crowded page (${crowd} regions)`);
      const pieceSeed = seed * 31;
      const want = apply(reference(bytes, layout, regions), bytes, regions, 62_000, rng(pieceSeed));
      // The same bytes at offset 4 (32-bit words) and at offset 1 (bytes only) of a larger buffer.
      for (const shift of [0, 1, 4]) {
        const held = new Uint8Array(size + shift);
        held.set(bytes, shift);
        const old = held.subarray(shift);
        const got = apply(x86Predictor(old, layout, regions), old, regions, 62_000, rng(pieceSeed));
        assert.deepEqual(got.pieces, want.pieces, `seed ${seed}, offset ${shift}: piece lengths`);
        assert.ok(Buffer.from(got.out).equals(Buffer.from(want.out)), `seed ${seed}, offset ${shift}: content`);
      }
    }
  });
}

test('every rel32 form has E8, E9 or 0F first, or a RIP-relative ModRM second or third (the WebAssembly scan looks at those only)', () => {
  const FORMS = rel32Forms();
  for (let b0 = 0; b0 < 256; b0++) {
    for (let b1 = 0; b1 < 256; b1++) {
      const f = FORMS[b0 | (b1 << 8)]!;
      // Form 3 needs a RIP-relative third byte: a candidate whatever b0 and b1 are.
      if (f === 1 || f === 2) assert.ok(b0 === 0xe8 || b0 === 0xe9 || b0 === 0x0f || (b1 & 0xc7) === 5, `${b0.toString(16)} ${b1.toString(16)}`);
      else assert.ok(f === 0 || f === 3);
    }
  }
});
