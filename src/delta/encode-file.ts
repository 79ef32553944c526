// One unit of build work: compress one new file, as a delta against its old file when that is smaller.
// Pure function of the two files and the level, so it runs the same on the main thread or in a worker.
import { readFileSync } from 'node:fs';
import { encodeBlobFromFile } from '../format/blob-encoder.js';
import { sha256Hex } from '../format/hash.js';
import { startsWithDictionaryMagic } from '../format/zstd.js';
import { encodeWindows } from '../format/zstd-windows.js';
import { DELTA_MAX_SIZE, DELTA_RECHECK_RATIO } from './delta-params.js';
import { encodeDelta } from './encode-delta.js';
import { INCOMPRESSIBLE_LEVEL, looksIncompressible } from './incompressible.js';
import { openSink, removeSpill } from './stored-sink.js';

/** What to encode: the new file, and the old one when a delta may be tried (see `deltaCandidate`). */
export interface EncodeJob {
  newPath: string;
  newSize: number;
  newSha256: string;
  old?: { path: string; sha256: string; size?: number };
  level: number;
  /** Where to write the stored bytes instead of memory (large files; see SPILL_MIN_SIZE). */
  spill?: string;
}

/**
 * The stored bytes of one blob and what they decode to: in memory (`stored`) or in the job's spill file
 * (`spilled`). `base` is set for a delta.
 */
export interface EncodedFile {
  stored?: Uint8Array;
  spilled?: string;
  storedSize: number;
  storedSha256: string;
  encoding: 'zstd' | 'zstd-patch' | 'zstd-windows';
  base?: string;
  size: number;
  sha256: string;
}

/** A file that could not be encoded as described: the builder reports it as BUILD_INPUT. */
export interface EncodeFailure {
  path: string;
  reason: string;
}

export type EncodeOutcome = { ok: true; file: EncodedFile } | { ok: false; failure: EncodeFailure };

/**
 * Encodes `job`. Memory: with a delta of files up to DELTA_MAX_SIZE, the old and new files in full plus
 * zstd's copy of the old one and its match tables; above, one window of each (zstd-windows.ts); without
 * a delta, 2 MiB of buffers. Stored bytes go to memory, or to the spill file for large files.
 */
export function encodeFile(job: EncodeJob): EncodeOutcome {
  try {
    // Incompressible content is encoded at the fastest level: level 19 spends minutes to save a few percent.
    const level = looksIncompressible(job.newPath, job.newSize) ? INCOMPRESSIBLE_LEVEL : job.level;
    if (job.old !== undefined) {
      const delta = tryDelta(job, job.old, level);
      if (delta !== null) return delta;
    }
    return full(job, level, job.spill);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    return { ok: false, failure: { path: typeof e.path === 'string' ? e.path : job.newPath, reason: `it could not be read and compressed (${e.message}); did it change during the build?` } };
  }
}

function tryDelta(job: EncodeJob, old: { path: string; sha256: string; size?: number }, level: number): EncodeOutcome | null {
  const large = job.newSize > DELTA_MAX_SIZE || (old.size ?? 0) > DELTA_MAX_SIZE;
  const attempt = large ? windowsDelta(job, old, level) : wholeDelta(job, old, level);
  if (attempt === null || !attempt.ok) return attempt;
  const delta = attempt.file;
  if (delta.storedSize <= job.newSize * DELTA_RECHECK_RATIO) return attempt;
  // A poor delta: the full frame may be as small and needs no base on install; ties go to the full frame.
  const whole = full(job, level, job.spill === undefined ? undefined : `${job.spill}.full`);
  if (whole.ok && whole.file.storedSize <= delta.storedSize) {
    if (delta.spilled !== undefined) removeSpill(delta.spilled);
    return whole;
  }
  if (whole.ok && whole.file.spilled !== undefined) removeSpill(whole.file.spilled);
  return attempt;
}

/** The old and new files in memory, one zstd-patch frame (what `zstd --patch-from` reads). */
function wholeDelta(job: EncodeJob, old: { path: string; sha256: string }, level: number): EncodeOutcome | null {
  const base = readFileSync(old.path);
  if (sha256Hex(base) !== old.sha256) return changed(old.path);
  if (startsWithDictionaryMagic(base)) return null;
  const content = readFileSync(job.newPath);
  if (content.length !== job.newSize || sha256Hex(content) !== job.newSha256) return changed(job.newPath);
  const frame = encodeDelta(base, content, level);
  const sink = openSink(job.spill);
  sink.write(frame);
  return { ok: true, file: { ...sink.finish(), storedSize: frame.length, storedSha256: sha256Hex(frame), encoding: 'zstd-patch', base: old.sha256, size: content.length, sha256: job.newSha256 } };
}

/** Window by window against the old file (zstd-windows.ts), never holding either file whole. */
function windowsDelta(job: EncodeJob, old: { path: string; sha256: string }, level: number): EncodeOutcome {
  const sink = openSink(job.spill);
  try {
    const encoded = encodeWindows(old.path, job.newPath, level, sink.write);
    if (encoded.oldSha256 !== old.sha256) return discard(sink, changed(old.path));
    if (encoded.size !== job.newSize || encoded.sha256 !== job.newSha256) return discard(sink, changed(job.newPath));
    return { ok: true, file: { ...sink.finish(), storedSize: encoded.storedSize, storedSha256: encoded.storedSha256, encoding: 'zstd-windows', base: old.sha256, size: encoded.size, sha256: encoded.sha256 } };
  } catch (err) {
    sink.discard();
    throw err;
  }
}

function full(job: EncodeJob, level: number, spill: string | undefined): EncodeOutcome {
  const sink = openSink(spill);
  try {
    const encoded = encodeBlobFromFile(job.newPath, job.newSize, level, sink.write);
    if (encoded.size !== job.newSize || encoded.sha256 !== job.newSha256) return discard(sink, changed(job.newPath));
    return { ok: true, file: { ...sink.finish(), storedSize: encoded.storedSize, storedSha256: encoded.storedSha256, encoding: 'zstd', size: encoded.size, sha256: encoded.sha256 } };
  } catch (err) {
    sink.discard();
    throw err;
  }
}

function discard(sink: { discard(): void }, outcome: EncodeOutcome): EncodeOutcome {
  sink.discard();
  return outcome;
}

function changed(path: string): EncodeOutcome {
  return { ok: false, failure: { path, reason: 'it changed during the build' } };
}
