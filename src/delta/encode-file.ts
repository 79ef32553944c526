// One unit of build work: compress one new file, as a delta against its old file when that is smaller.
// Pure function of the two files and the level, so it runs the same on the main thread or in a worker.
import { readFileSync } from 'node:fs';
import type { BlobCodec, EncodeInput, EncodedBlob } from '../format/codecs/codec.js';
import { exediffCodec } from '../format/codecs/exediff.js';
import { zstdCodec } from '../format/codecs/zstd-full.js';
import { zstdPatchCodec } from '../format/codecs/zstd-patch.js';
import { zstdWindowsCodec } from '../format/codecs/zstd-windows.js';
import { sha256Hex } from '../format/hash.js';
import { DELTA_MAX_SIZE, DELTA_RECHECK_RATIO, EXEDIFF_RECHECK_SIZE } from './delta-params.js';
import { INCOMPRESSIBLE_LEVEL, looksIncompressible } from './incompressible.js';
import { reserver } from './memory-budget.js';
import { openSink, removeSpill } from './stored-sink.js';

/** What to encode: the new file, and the old one when a delta may be tried (see `deltaCandidate`). */
export interface EncodeJob {
  newPath: string;
  newSize: number;
  newSha256: string;
  old?: { path: string; sha256: string; size?: number };
  level: number;
  /** The build's memory budget for encoder tables (see memory-budget.ts); absent: none. */
  budget?: SharedArrayBuffer;
  /** Where to write the stored bytes instead of memory (large files; see SPILL_MIN_SIZE). */
  spill?: string;
}

/**
 * The stored bytes of one blob and what they decode to: in memory (`stored`) or in a spill file
 * (`spilled`, one of `spillFiles(job.spill)`). `base` is set for a delta.
 */
export interface EncodedFile {
  stored?: Uint8Array;
  spilled?: string;
  storedSize: number;
  storedSha256: string;
  /** The codec's name (src/format/codecs/). */
  encoding: string;
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

/** Every file a job with spill path `spill` may leave behind: one per encoding it may try side by side. */
export function spillFiles(spill: string): string[] {
  return [spill, `${spill}.patch`, `${spill}.full`];
}

/**
 * Encodes `job`. Memory: with a delta of files up to DELTA_MAX_SIZE, the old and new files in full plus
 * the codec's tables (zstd's copy of the old one and its match tables; exediff's suffix array, within the
 * build's budget); above, one window of each (zstd-windows.ts); without a delta, 2 MiB of buffers.
 * Stored bytes go to memory, or to the spill files for large files.
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
  const whole = full(job, level, spillPath(job, '.full'));
  if (whole.ok && whole.file.storedSize <= delta.storedSize) {
    drop(delta);
    return whole;
  }
  if (whole.ok) drop(whole.file);
  return attempt;
}

/**
 * The old and new files in memory: executables as exediff, everything else (text above all) as one
 * zstd-patch frame (what `zstd --patch-from` reads). Where exediff may lose, zstd-patch is tried too and
 * the smaller one kept (docs/architecture.md, 'Deltas').
 */
function wholeDelta(job: EncodeJob, old: { path: string; sha256: string }, level: number): EncodeOutcome | null {
  const base = readFileSync(old.path);
  if (sha256Hex(base) !== old.sha256) return changed(old.path);
  const content = readFileSync(job.newPath);
  if (content.length !== job.newSize || sha256Hex(content) !== job.newSha256) return changed(job.newPath);
  const both = { base, content };
  const first = isExecutable(base) && isExecutable(content) ? encodeWith(exediffCodec, job, both, level, job.spill)?.file ?? null : null;
  let best = first ?? encodeWith(zstdPatchCodec, job, both, level, spillPath(job, '.patch'))?.file ?? null;
  if (best === null) return null;
  // Below EXEDIFF_RECHECK_SIZE a second encoding costs little, and exediff's fixed overhead (a 96-byte
  // header, four frames) can lose to zstd-patch; a poor exediff delta is checked against it too. Ties
  // go to zstd-patch.
  if (first !== null && (content.length < EXEDIFF_RECHECK_SIZE || first.storedSize > content.length * DELTA_RECHECK_RATIO)) {
    const patch = encodeWith(zstdPatchCodec, job, both, level, spillPath(job, '.patch'))?.file ?? null;
    if (patch !== null && patch.storedSize <= first.storedSize) {
      drop(first);
      best = patch;
    } else if (patch !== null) drop(patch);
  }
  return { ok: true, file: { ...best, base: old.sha256 } };
}

/** Window by window against the old file (zstd-windows), never holding either file whole. */
function windowsDelta(job: EncodeJob, old: { path: string; sha256: string }, level: number): EncodeOutcome | null {
  const attempt = encodeWith(zstdWindowsCodec, job, { basePath: old.path }, level, job.spill);
  if (attempt === null) return null;
  const { file, encoded } = attempt;
  const outcome = encoded.baseSha256 !== old.sha256 ? changed(old.path)
    : file.size !== job.newSize || file.sha256 !== job.newSha256 ? changed(job.newPath) : undefined;
  if (outcome !== undefined) {
    drop(file);
    return outcome;
  }
  return { ok: true, file: { ...file, base: old.sha256 } };
}

/** ELF or PE (MZ) magic: files exediff is tried on first. */
function isExecutable(b: Uint8Array): boolean {
  return (b.length >= 4 && b[0] === 0x7f && b[1] === 0x45 && b[2] === 0x4c && b[3] === 0x46) || (b.length >= 64 && b[0] === 0x4d && b[1] === 0x5a);
}

/**
 * The blob `codec` makes of the job's new file (with `extra`: the base, the content in memory, the base's
 * path), its stored bytes in memory or in the spill file `spill`; null (and nothing left behind) when
 * the codec does not apply.
 */
function encodeWith(codec: BlobCodec, job: EncodeJob, extra: Pick<EncodeInput, 'base' | 'content' | 'basePath'>, level: number, spill: string | undefined): { file: EncodedFile; encoded: EncodedBlob } | null {
  const sink = openSink(spill);
  try {
    const reserve = job.budget === undefined ? undefined : reserver(job.budget);
    const encoded = codec.encode({ path: job.newPath, size: job.newSize, level, ...extra, ...(reserve === undefined ? {} : { reserve }) }, sink.write);
    if (encoded === null) {
      sink.discard();
      return null;
    }
    return { file: { ...sink.finish(), storedSize: encoded.storedSize, storedSha256: encoded.storedSha256, encoding: codec.name, size: encoded.size, sha256: encoded.sha256 }, encoded };
  } catch (err) {
    sink.discard();
    throw err;
  }
}

function full(job: EncodeJob, level: number, spill: string | undefined): EncodeOutcome {
  const file = encodeWith(zstdCodec, job, {}, level, spill)?.file ?? null;
  if (file === null || file.size !== job.newSize || file.sha256 !== job.newSha256) {
    if (file !== null) drop(file);
    return changed(job.newPath);
  }
  return { ok: true, file };
}

function spillPath(job: EncodeJob, suffix: string): string | undefined {
  return job.spill === undefined ? undefined : `${job.spill}${suffix}`;
}

/** Drops a candidate that lost: its spill file, if it has one. */
function drop(file: EncodedFile): void {
  if (file.spilled !== undefined) removeSpill(file.spilled);
}

function changed(path: string): EncodeOutcome {
  return { ok: false, failure: { path, reason: 'it changed during the build' } };
}
