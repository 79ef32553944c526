// A cheap test for content that does not compress (random data, compressed or encrypted payloads, most
// of some native binaries): compress a few samples at zstd's fastest level and look at what they save.
// docs/architecture.md ('Decisions', incompressible input) explains the numbers.
import { closeSync, openSync, readSync } from 'node:fs';
import { zstd } from '../format/zstd.js';

/** Files smaller than this are not sampled: level 19 on them takes well under a second. */
export const SAMPLE_MIN_SIZE = 1024 * 1024;
const SAMPLES = 16;
const SAMPLE_BYTES = 64 * 1024;
/**
 * Samples that save less than this at level 1 mark a file incompressible. @swc/core-linux-x64-gnu's
 * 10.8 MB binary saves 3.1% at level 1 and 4.0% at level 19 (5.8 s); random data saves nothing.
 */
export const MIN_SAVING = 0.05;
/** The level an incompressible file is encoded at, full or delta: fast, and as small as level 19 within a few percent. */
export const INCOMPRESSIBLE_LEVEL = 1;

/** True when `SAMPLES` samples, one from the middle of each equal slice, of the file at `path` (of `size` bytes) save less than MIN_SAVING at level 1. */
export function looksIncompressible(path: string, size: number): boolean {
  if (size < SAMPLE_MIN_SIZE) return false;
  const z = zstd();
  const sample = Buffer.allocUnsafe(SAMPLE_BYTES);
  const out = Buffer.allocUnsafe(z.compressBound(SAMPLE_BYTES));
  let read = 0;
  let stored = 0;
  const fd = openSync(path, 'r');
  try {
    for (let i = 0; i < SAMPLES; i++) {
      // The middle of each of SAMPLES equal slices: headers and tables at a file's two ends (the
      // compressible parts of a binary) weigh no more than their share of the file.
      const at = Math.max(0, Math.min(size - SAMPLE_BYTES, Math.floor((size * (i + 0.5)) / SAMPLES - SAMPLE_BYTES / 2)));
      const n = readSync(fd, sample, 0, SAMPLE_BYTES, at);
      if (n === 0) break;
      read += n;
      stored += z.compress(out, sample.subarray(0, n), INCOMPRESSIBLE_LEVEL);
    }
  } finally {
    closeSync(fd);
  }
  return read > 0 && stored > read * (1 - MIN_SAVING);
}
