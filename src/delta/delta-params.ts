// The rules that decide whether a changed file is stored as a delta, and the zstd window a delta uses.
// docs/format.md ('zstd-patch') and docs/architecture.md ('Deltas') explain the numbers.

/**
 * Files smaller than this (old or new) are stored in full: a full frame is then at most a few hundred
 * bytes, less than the file's manifest entry. Above it deltas win even on small text: typescript's
 * 3.6 KB package.json is 148 bytes as a delta and 1,243 in full.
 */
export const DELTA_MIN_SIZE = 256;

/**
 * Files up to this size (old and new) are one zstd-patch frame: encoding holds both in memory (with zstd's
 * copy, about 3 times this per encode thread). Larger ones are deltas in windows (`zstd-windows`).
 */
export const DELTA_MAX_SIZE = 128 * 1024 * 1024;

/** Above this stored/new ratio the full encoding is tried too, and the smaller one is kept. */
export const DELTA_RECHECK_RATIO = 0.5;

/** Executables smaller than this are encoded as exediff and as zstd-patch, and the smaller one is kept. */
export const EXEDIFF_RECHECK_SIZE = 4 << 20;

/** True when a change from `oldSize` to `newSize` bytes is worth trying as a delta (of any size). */
export function deltaCandidate(oldSize: number, newSize: number): boolean {
  return oldSize >= DELTA_MIN_SIZE && newSize >= DELTA_MIN_SIZE;
}

/** log2 of a window that spans the whole base and the whole new file (zstd lowers it again to what it needs). */
export function deltaWindowLog(baseSize: number, newSize: number): number {
  const span = baseSize + newSize;
  return Math.min(31, Math.max(10, Math.ceil(Math.log2(Math.max(span, 1)))));
}
