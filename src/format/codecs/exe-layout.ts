// The mapped segments of an x86-64 executable, for the exediff predictor (build side): PT_LOAD segments
// of an ELF64 x86-64 file, or the sections of a PE32+ AMD64 image (addresses with the image base).
// Anything else, or headers that do not parse, is no executable: undefined.
import { MAX_SEGMENTS, type Segment } from './exediff-container.js';

const MAX_ADDR = Number.MAX_SAFE_INTEGER;

export function executableLayout(b: Uint8Array): Segment[] | undefined {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const u64 = (at: number): number => {
    const x = v.getBigUint64(at, true);
    return x > BigInt(MAX_ADDR) ? -1 : Number(x);
  };
  const raw: Segment[] = [];
  try {
    if (b.length >= 64 && b[0] === 0x7f && b[1] === 0x45 && b[2] === 0x4c && b[3] === 0x46) {
      if (b[4] !== 2 || b[5] !== 1 || v.getUint16(18, true) !== 62) return undefined;
      const phoff = u64(32);
      const size = v.getUint16(54, true);
      const count = v.getUint16(56, true);
      if (phoff < 0 || size < 56) return undefined;
      for (let i = 0; i < count; i++) {
        const at = phoff + i * size;
        if (v.getUint32(at, true) !== 1) continue;
        raw.push({ off: u64(at + 8), vaddr: u64(at + 16), fileSize: u64(at + 32), memSize: u64(at + 40), exec: (v.getUint32(at + 4, true) & 1) === 1 });
      }
    } else if (b.length >= 64 && b[0] === 0x4d && b[1] === 0x5a) {
      const pe = v.getUint32(0x3c, true);
      if (v.getUint32(pe, true) !== 0x4550 || v.getUint16(pe + 4, true) !== 0x8664) return undefined;
      const count = v.getUint16(pe + 6, true);
      const optSize = v.getUint16(pe + 20, true);
      const opt = pe + 24;
      if (v.getUint16(opt, true) !== 0x20b) return undefined;
      const imageBase = u64(opt + 24);
      if (imageBase < 0) return undefined;
      for (let i = 0; i < count; i++) {
        const at = opt + optSize + 40 * i;
        const virtualSize = v.getUint32(at + 8, true);
        const rawSize = v.getUint32(at + 16, true);
        const fileSize = Math.min(rawSize, virtualSize === 0 ? rawSize : virtualSize);
        raw.push({ off: v.getUint32(at + 20, true), vaddr: imageBase + v.getUint32(at + 12, true), fileSize, memSize: Math.max(virtualSize, fileSize), exec: (v.getUint32(at + 36, true) & 0x20000020) !== 0 });
      }
    } else return undefined;
  } catch (err) {
    if (err instanceof RangeError) return undefined;
    throw err;
  }
  return normalise(raw, b.length);
}

/**
 * Segments inside the file, sorted by (offset, address) and kept only while disjoint from the previous
 * kept one both in the file and in memory: the order readers rely on (docs/format.md).
 */
function normalise(raw: Segment[], fileLength: number): Segment[] | undefined {
  const ok = raw.filter((s) => s.off >= 0 && s.vaddr >= 0 && s.fileSize >= 0 && s.memSize >= 0 && s.off <= fileLength && s.vaddr + Math.max(s.memSize, s.fileSize) <= MAX_ADDR)
    .map((s) => {
      const fileSize = Math.min(s.fileSize, fileLength - s.off);
      return { ...s, fileSize, memSize: Math.max(s.memSize, fileSize) };
    })
    .sort((a, b) => a.off - b.off || a.vaddr - b.vaddr || a.fileSize - b.fileSize || a.memSize - b.memSize || Number(a.exec) - Number(b.exec));
  const kept: Segment[] = [];
  for (const s of ok) {
    const last = kept.at(-1);
    if (last !== undefined && (last.off + last.fileSize > s.off || last.vaddr + last.memSize > s.vaddr)) continue;
    if (kept.length < MAX_SEGMENTS) kept.push(s);
  }
  return kept.length === 0 ? undefined : kept;
}
