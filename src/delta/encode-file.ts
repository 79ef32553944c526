// One unit of build work: compress one new file, as a delta against its old file when that is smaller.
// Pure function of the two files and the level, so it runs the same on the main thread or in a worker.
import { readFileSync } from 'node:fs';
import type { BlobCodec } from '../format/codecs/codec.js';
import { exediffCodec } from '../format/codecs/exediff.js';
import { zstdCodec } from '../format/codecs/zstd-full.js';
import { zstdPatchCodec } from '../format/codecs/zstd-patch.js';
import { sha256Hex } from '../format/hash.js';
import { DELTA_RECHECK_RATIO, EXEDIFF_RECHECK_SIZE } from './delta-params.js';
import { reserver } from './memory-budget.js';

/** What to encode: the new file, and the old one when a delta may be tried (see `deltaCandidate`). */
export interface EncodeJob {
  newPath: string;
  newSize: number;
  newSha256: string;
  old?: { path: string; sha256: string };
  level: number;
  /** The build's memory budget for encoder tables (see memory-budget.ts); absent: none. */
  budget?: SharedArrayBuffer;
}

/** The stored bytes of one blob and what they decode to. `base` is set for a delta. */
export interface EncodedFile {
  stored: Uint8Array;
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

/**
 * Encodes `job`. Memory: with a delta, the old and new files in full plus zstd's copy of the old one and
 * its match tables; without, 2 MiB of buffers plus the compressed output.
 */
export function encodeFile(job: EncodeJob): EncodeOutcome {
  try {
    if (job.old !== undefined) {
      const delta = tryDelta(job, job.old);
      if (delta !== null) return delta;
    }
    return full(job);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    return { ok: false, failure: { path: typeof e.path === 'string' ? e.path : job.newPath, reason: `it could not be read and compressed (${e.message}); did it change during the build?` } };
  }
}

function tryDelta(job: EncodeJob, old: { path: string; sha256: string }): EncodeOutcome | null {
  const base = readFileSync(old.path);
  if (sha256Hex(base) !== old.sha256) return changed(old.path);
  const content = readFileSync(job.newPath);
  if (content.length !== job.newSize || sha256Hex(content) !== job.newSha256) return changed(job.newPath);
  // Executables go to exediff, everything else (text above all) to zstd-patch; either way a poor delta
  // is compared with the other encodings (docs/architecture.md, 'Deltas').
  const first = isExecutable(base) && isExecutable(content) ? encodeWith(exediffCodec, job, base, content) : null;
  const delta = first ?? encodeWith(zstdPatchCodec, job, base, content);
  if (delta === null) return null;
  const withBase = (f: EncodedFile): EncodeOutcome => ({ ok: true, file: { ...f, base: old.sha256 } });
  // Below EXEDIFF_RECHECK_SIZE a second encoding costs little, and exediff's fixed overhead (a 96-byte
  // header, four frames) can lose to zstd-patch: both are tried.
  if (first !== null && content.length < EXEDIFF_RECHECK_SIZE) {
    const patch = encodeWith(zstdPatchCodec, job, base, content);
    if (patch !== null && patch.stored.length <= delta.stored.length && patch.stored.length <= content.length * DELTA_RECHECK_RATIO) return withBase(patch);
  }
  if (delta.stored.length <= content.length * DELTA_RECHECK_RATIO) return withBase(delta);
  // A poor delta: zstd-patch (when exediff was first) or the full frame may be smaller, and a full
  // frame needs no base on install; ties go to zstd-patch, then to the full frame.
  let best = delta;
  if (first !== null) {
    const patch = encodeWith(zstdPatchCodec, job, base, content);
    if (patch !== null && patch.stored.length <= best.stored.length) best = patch;
  }
  const whole = full(job);
  return whole.ok && whole.file.stored.length <= best.stored.length ? whole : withBase(best);
}

/** ELF or PE (MZ) magic: files exediff is tried on first. */
function isExecutable(b: Uint8Array): boolean {
  return (b.length >= 4 && b[0] === 0x7f && b[1] === 0x45 && b[2] === 0x4c && b[3] === 0x46) || (b.length >= 64 && b[0] === 0x4d && b[1] === 0x5a);
}

/** The blob `codec` makes of the job's content (against `base`), or null when the codec does not apply. */
function encodeWith(codec: BlobCodec, job: EncodeJob, base: Uint8Array | undefined, content: Uint8Array | undefined): EncodedFile | null {
  const chunks: Uint8Array[] = [];
  const reserve = job.budget === undefined ? undefined : reserver(job.budget);
  const input = { path: job.newPath, size: job.newSize, level: job.level, ...(base === undefined ? {} : { base }), ...(content === undefined ? {} : { content }), ...(reserve === undefined ? {} : { reserve }) };
  const encoded = codec.encode(input, (c) => chunks.push(Uint8Array.from(c)));
  if (encoded === null) return null;
  // One unpooled buffer of its own, so a worker can transfer it.
  const stored = new Uint8Array(encoded.storedSize);
  let at = 0;
  for (const c of chunks) {
    stored.set(c, at);
    at += c.length;
  }
  return { stored, storedSha256: encoded.storedSha256, encoding: codec.name, size: encoded.size, sha256: encoded.sha256 };
}

function full(job: EncodeJob): EncodeOutcome {
  const file = encodeWith(zstdCodec, job, undefined, undefined);
  if (file === null || file.size !== job.newSize || file.sha256 !== job.newSha256) return changed(job.newPath);
  return { ok: true, file };
}

function changed(path: string): EncodeOutcome {
  return { ok: false, failure: { path, reason: 'it changed during the build' } };
}

