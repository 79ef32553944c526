// The `zstd-windows` blob encoding: a delta for files of any size with bounded memory on both sides.
// The new content is cut into windows of WINDOW_BYTES; each window is one record, either a copy of a
// range of the old file or a zstd frame decoded against a range of the old file loaded as a raw-content
// dictionary. docs/format.md ('zstd-windows') specifies the records; codecs/zstd-windows.ts puts this
// codec in the table of blob encodings.
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { createHash } from 'node:crypto';
import type { CParameter } from 'zstd-napi/binding.js';
import type { BaseFile } from './codecs/codec.js';
import { MAX_FULL_WINDOW_LOG, newCompressor, startsWithDictionaryMagic, windowLogFor, zstd, type ZstdBinding } from './zstd.js';

export const ZSTD_WINDOWS = 'zstd-windows';
/** New content per record: every record but the last covers exactly this many bytes. */
export const WINDOW_BYTES = 32 * 1024 * 1024;
/** How far before and after its own offset the encoder looks in the old file for a window's matches. */
export const MARGIN_BYTES = 8 * 1024 * 1024;
/** The largest old-file range one record may name: a reader refuses more (bounded memory on install). */
export const MAX_BASE_RANGE_BYTES = WINDOW_BYTES + 2 * MARGIN_BYTES;
/** kind (u8), baseOffset (u64 LE), baseLength (u32 LE), frameLength (u32 LE). */
export const RECORD_HEADER_BYTES = 17;
/**
 * zstd level of the patch records at most: levels above 9 index the 48 MiB old range with binary
 * trees, 16.7 s per window at 19 against 0.37 s at 9 for a window with two changed bytes (2,847 vs
 * 3,608 stored bytes). What differs between two windows that match is small; long-distance matching
 * finds the rest at any level.
 */
export const WINDOW_MAX_LEVEL = 9;
const KIND_COPY = 0;
const KIND_PATCH = 1;
/** zstd's experimental ZSTD_c_forceAttachDict; ZSTD_dictForceLoad indexes the dictionary like a prefix. */
const FORCE_ATTACH_DICT = 1001;
const DICT_FORCE_LOAD = 3;
const CHUNK = 1024 * 1024;

/** The number of records of a blob of `size` bytes (at least one, also for an empty file). */
export function recordCount(size: number): number {
  return Math.max(1, Math.ceil(size / WINDOW_BYTES));
}

/** The fewest stored bytes a blob of `size` bytes can have: one record header per window. */
export function minStoredSize(size: number): number {
  return recordCount(size) * RECORD_HEADER_BYTES;
}

/** What the encoder read and wrote. `oldSha256` lets the caller check the old file did not change. */
export interface WindowsEncoded {
  size: number;
  sha256: string;
  oldSha256: string;
  storedSize: number;
  storedSha256: string;
  /** Records that copy a range of the old file as it is. */
  copies: number;
  patches: number;
}

/**
 * Encodes the file at `newPath` against the file at `oldPath`, passing the stored bytes to `write` in
 * order (a chunk is reused once `write` returns). Reads each file once, front to back, a window at a
 * time. Memory: the window, its old range, and one zstd context with a copy of that range.
 */
export function encodeWindows(oldPath: string, newPath: string, level: number, write: (chunk: Uint8Array) => void): WindowsEncoded {
  const z = zstd();
  const oldFd = openSync(oldPath, 'r');
  let newFd: number | undefined;
  try {
    newFd = openSync(newPath, 'r');
    const oldSize = fstatSync(oldFd).size;
    const newSize = fstatSync(newFd).size;
    const newHash = createHash('sha256');
    const oldHash = createHash('sha256');
    const storedHash = createHash('sha256');
    let storedSize = 0;
    const emit = (chunk: Uint8Array): void => {
      storedHash.update(chunk);
      storedSize += chunk.length;
      write(chunk);
    };
    const window = Buffer.allocUnsafe(Math.min(WINDOW_BYTES, Math.max(newSize, 1)));
    const range = Buffer.allocUnsafe(Math.min(MAX_BASE_RANGE_BYTES, Math.max(oldSize, 1)));
    const frame = Buffer.allocUnsafe(z.compressBound(window.length));
    const header = Buffer.alloc(RECORD_HEADER_BYTES);
    const cctx = newCompressor(Math.min(level, WINDOW_MAX_LEVEL));
    let oldHashed = 0;
    let copies = 0;
    let patches = 0;
    for (let k = 0; k < recordCount(newSize); k++) {
      const at = k * WINDOW_BYTES;
      const len = Math.min(WINDOW_BYTES, newSize - at);
      readFully(newFd, window, len, at);
      const content = window.subarray(0, len);
      newHash.update(content);
      const start = Math.min(oldSize, Math.max(0, at - MARGIN_BYTES));
      const end = Math.min(oldSize, at + len + MARGIN_BYTES);
      readFully(oldFd, range, end - start, start);
      if (oldHashed < end) oldHash.update(range.subarray(oldHashed - start, end - start));
      oldHashed = Math.max(oldHashed, end);
      if (at + len <= end && range.subarray(at - start, at - start + len).equals(content)) {
        emit(recordHeader(header, KIND_COPY, at, len, 0));
        copies++;
        continue;
      }
      // A range starting with zstd's dictionary magic would be read as a structured dictionary.
      let from = start;
      while (end - from >= 8 && startsWithDictionaryMagic(range.subarray(from - start, end - start))) from++;
      const dict = range.subarray(from - start, end - start);
      cctx.reset(z.ResetDirective.sessionAndParameters);
      configure(z, cctx, Math.min(level, WINDOW_MAX_LEVEL), dict.length + len);
      cctx.loadDictionary(dict);
      const n = cctx.compress2(frame, content);
      emit(recordHeader(header, KIND_PATCH, from, dict.length, n));
      for (let i = 0; i < n; i += CHUNK) emit(frame.subarray(i, Math.min(n, i + CHUNK)));
      patches++;
    }
    // The old file past the last range, and a new file that grew since it was listed.
    for (let pos = oldHashed; ;) {
      const n = readSync(oldFd, range, 0, Math.min(range.length, CHUNK), pos);
      if (n === 0) break;
      oldHash.update(range.subarray(0, n));
      pos += n;
    }
    if (readSync(newFd, window, 0, 1, newSize) !== 0) newHash.update('grew');
    return { size: newSize, sha256: newHash.digest('hex'), oldSha256: oldHash.digest('hex'), storedSize, storedSha256: storedHash.digest('hex'), copies, patches };
  } finally {
    closeSync(oldFd);
    if (newFd !== undefined) closeSync(newFd);
  }
}

function configure(z: ZstdBinding, cctx: InstanceType<ZstdBinding['CCtx']>, level: number, span: number): void {
  cctx.setParameter(z.CParameter.compressionLevel, level);
  cctx.setParameter(z.CParameter.contentSizeFlag, 1);
  cctx.setParameter(z.CParameter.checksumFlag, 0);
  cctx.setParameter(z.CParameter.nbWorkers, 0);
  cctx.setParameter(z.CParameter.dictIDFlag, 0);
  cctx.setParameter(z.CParameter.windowLog, windowLogFor(span, MAX_FULL_WINDOW_LOG));
  cctx.setParameter(z.CParameter.enableLongDistanceMatching, 1);
  cctx.setParameter(FORCE_ATTACH_DICT as CParameter, DICT_FORCE_LOAD);
}

function recordHeader(buf: Buffer, kind: number, baseOffset: number, baseLength: number, frameLength: number): Buffer {
  buf.writeUInt8(kind, 0);
  buf.writeBigUInt64LE(BigInt(baseOffset), 1);
  buf.writeUInt32LE(baseLength, 9);
  buf.writeUInt32LE(frameLength, 13);
  return buf;
}

/** Reads exactly `length` bytes at `position`; a file that ends sooner changed since it was listed. */
function readFully(fd: number, buf: Buffer, length: number, position: number): void {
  for (let done = 0; done < length;) {
    const n = readSync(fd, buf, done, Math.min(length - done, 1 << 30), position + done);
    if (n === 0) throw new Error(`the file ended at byte ${position + done}, before the ${position + length} bytes it had when listed`);
    done += n;
  }
}

export type { BaseFile };

/** Reads the blob's stored bytes in order: exactly `length` bytes, into a buffer valid until the next call. */
export type StoredReader = (length: number) => Buffer;

/**
 * Decodes a `zstd-windows` blob of `size` bytes against `base`, passing output chunks to `onChunk`.
 * Every record is checked against the bounds of docs/format.md before its range or frame is read;
 * `corrupt(expected, actual)` builds the error for a violation. The caller checks the stored hash,
 * content hash and that the stored bytes end exactly after the last record.
 */
export function decodeWindows(read: StoredReader, size: number, base: BaseFile, onChunk: (chunk: Buffer) => void, corrupt: (expected: string, actual: string) => Error): void {
  const z = zstd();
  const dctx = new z.DCtx();
  const range = Buffer.allocUnsafe(Math.min(MAX_BASE_RANGE_BYTES, Math.max(base.size, 1)));
  const output = Buffer.allocUnsafe(CHUNK);
  for (let k = 0; k < recordCount(size); k++) {
    const len = Math.min(WINDOW_BYTES, size - k * WINDOW_BYTES);
    const h = read(RECORD_HEADER_BYTES);
    const kind = h.readUInt8(0);
    const baseOffset = h.readBigUInt64LE(1);
    const baseLength = h.readUInt32LE(9);
    const frameLength = h.readUInt32LE(13);
    const where = `record ${k}`;
    if (kind !== KIND_COPY && kind !== KIND_PATCH) throw corrupt(`${where} of kind 0 or 1`, `kind ${kind}`);
    if (baseOffset + BigInt(baseLength) > BigInt(base.size)) throw corrupt(`${where} within the ${base.size}-byte base`, `bytes ${baseOffset}+${baseLength}`);
    const offset = Number(baseOffset);
    if (kind === KIND_COPY) {
      if (baseLength !== len || frameLength !== 0) throw corrupt(`${where} copying ${len} bytes`, `${baseLength} bytes and a ${frameLength}-byte frame`);
      for (let done = 0; done < len;) {
        const n = Math.min(CHUNK, len - done);
        readBase(base, output, n, offset + done, corrupt);
        onChunk(output.subarray(0, n));
        done += n;
      }
      continue;
    }
    if (baseLength > MAX_BASE_RANGE_BYTES) throw corrupt(`${where} with a base range of at most ${MAX_BASE_RANGE_BYTES} bytes`, `${baseLength} bytes`);
    if (frameLength === 0 || frameLength > z.compressBound(len)) throw corrupt(`${where} with a frame of 1 to ${z.compressBound(len)} bytes`, `${frameLength} bytes`);
    readBase(base, range, baseLength, offset, corrupt);
    const dict = range.subarray(0, baseLength);
    dctx.reset(z.ResetDirective.sessionAndParameters);
    const windowLog = windowLogFor(baseLength + len, MAX_FULL_WINDOW_LOG);
    dctx.setParameter(z.DParameter.windowLogMax, windowLog);
    if (baseLength > 0) {
      if (startsWithDictionaryMagic(dict)) throw corrupt(`${where}: a base range that is raw content`, 'a range starting with the zstd dictionary magic');
      dctx.loadDictionary(dict);
    }
    decodeFrame(dctx, read, frameLength, len, output, onChunk, (expected, actual) => corrupt(`${where}: ${expected}`, actual), windowLog);
  }
}

function readBase(base: BaseFile, buf: Buffer, length: number, position: number, corrupt: (expected: string, actual: string) => Error): void {
  for (let done = 0; done < length;) {
    const n = readSync(base.fd, buf, done, length - done, position + done);
    if (n === 0) throw corrupt(`a base of ${base.size} bytes`, `a base ending at byte ${position + done}`);
    done += n;
  }
}

/** Decodes one frame of exactly `frameLength` stored bytes into exactly `len` bytes of output. */
function decodeFrame(dctx: InstanceType<ZstdBinding['DCtx']>, read: StoredReader, frameLength: number, len: number, output: Buffer, onChunk: (chunk: Buffer) => void, corrupt: (expected: string, actual: string) => Error, windowLog: number): void {
  let decoded = 0;
  let frameLeft = 1;
  for (let taken = 0; taken < frameLength;) {
    const src = read(Math.min(CHUNK, frameLength - taken));
    taken += src.length;
    let consumedTotal = 0;
    let produced = 0;
    do {
      if (frameLeft === 0) throw corrupt('one zstd frame', 'bytes after the end of the frame');
      let consumed: number;
      try {
        [frameLeft, produced, consumed] = dctx.decompressStream(output, src.subarray(consumedTotal));
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        if (/requires too much memory/.test(message)) throw corrupt(`a zstd window of at most ${2 ** windowLog} bytes`, 'a frame declaring a larger window');
        throw corrupt('a valid zstd frame', `zstd error: ${message}`);
      }
      consumedTotal += consumed;
      if (decoded + produced > len) throw corrupt(`${len} bytes`, `more than ${len} bytes`);
      decoded += produced;
      if (produced > 0) onChunk(output.subarray(0, produced));
    } while (frameLeft !== 0 && (consumedTotal < src.length || produced === output.length));
    if (frameLeft === 0 && (consumedTotal < src.length || taken < frameLength)) throw corrupt('one zstd frame', 'bytes after the end of the frame');
  }
  if (frameLeft !== 0) throw corrupt('a complete zstd frame', 'a truncated zstd frame');
  if (decoded !== len) throw corrupt(`${len} bytes`, `${decoded} bytes`);
}

/** One line for `inspect`: what the stored bytes hold. */
export function describeWindows(size: number): string {
  return `${recordCount(size)} windows of up to ${WINDOW_BYTES} bytes, each a copy of or a zstd patch against a range of the old file`;
}
