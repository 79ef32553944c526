// Opens a pack and checks it front to back before any payload byte is trusted: header bounds, exact file
// length, manifest, signature bytes, payload length. Blobs are then decoded on demand, streaming, and
// checked against their stored hash, content hash and size.
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { ServicePackError, hasErrno } from '../errors/index.js';
import { CHUNK_SIZE, sha256Hex } from './hash.js';
import { HEADER_SIZE, decodeHeader } from './header.js';
import type { PackHeader } from './header.js';
import type { Manifest } from './manifest.js';
import { decodeManifest } from './manifest-codec.js';
import { loadManifest } from './manifest-section.js';
import { packCorrupt, packInvalid } from './pack-errors.js';
import { baseKindOf, type BaseFile } from './codecs/codec.js';
import { codecOf } from './codecs/codecs.js';

/** An open, validated pack. Holds a file descriptor until `close()`. */
export interface PackReader {
  path: string;
  header: PackHeader;
  manifest: Manifest;
  /** The canonical manifest bytes (decompressed, from format 3). */
  manifestBytes: Buffer;
  /** SHA-256 hex of the manifest bytes. */
  packId: string;
  signature: Buffer;
  /** Absolute file offset of the payload section. */
  payloadOffset: number;
  /** Total bytes of the pack file. */
  size: number;
  fd: number;
  /** What decodeBlob reuses from blob to blob (see DecodeScratch). */
  scratch: DecodeScratch;
  close(): void;
}

/** What the codecs reuse from blob to blob of one open pack (contexts, buffers), keyed by codec. */
export type DecodeScratch = Map<string, unknown>;

/** Opens and validates the pack at `path`: PACK_NOT_FOUND, PACK_INVALID, PACK_UNSUPPORTED or PACK_UNSAFE_PATH. */
export function openPack(path: string): PackReader {
  const fd = openReadable(path);
  try {
    return readPack(path, fd);
  } catch (err) {
    closeSync(fd);
    throw err;
  }
}

function openReadable(path: string): number {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    if (hasErrno(err, 'ENOENT', 'ENOTDIR', 'EACCES', 'EPERM', 'EISDIR', 'ELOOP', 'ENAMETOOLONG')) throw notFound(path, err);
    throw err;
  }
  if (!fstatSync(fd).isFile()) {
    closeSync(fd);
    throw notFound(path, undefined);
  }
  return fd;
}

function readPack(path: string, fd: number): PackReader {
  const size = fstatSync(fd).size;
  const header = decodeHeader(readExactly(fd, path, 0, Math.min(size, HEADER_SIZE)), path);
  const expected = HEADER_SIZE + header.manifestLength + header.signatureLength + header.payloadLength;
  if (size < expected) throw packInvalid(path, `the file is truncated: ${size} bytes, the header declares ${expected}`, size);
  if (size > expected) throw packInvalid(path, `${size - expected} bytes follow the end the header declares (${expected})`, expected);
  const manifestBytes = loadManifest(readExactly(fd, path, HEADER_SIZE, header.manifestLength), header.formatVersion, path);
  const manifest = decodeManifest(manifestBytes, path);
  if (manifest.format !== header.formatVersion) throw packInvalid(path, `the header says format ${header.formatVersion} but the manifest says ${manifest.format}`, 8);
  const signature = readExactly(fd, path, HEADER_SIZE + header.manifestLength, header.signatureLength);
  const declared = manifest.blobs.reduce((sum, b) => sum + b.storedSize, 0);
  if (declared !== header.payloadLength) {
    throw packInvalid(path, `the header declares a ${header.payloadLength}-byte payload but the blobs sum to ${declared} bytes`, 20);
  }
  let open = true;
  return {
    path,
    header,
    manifest,
    manifestBytes,
    packId: sha256Hex(manifestBytes),
    signature,
    payloadOffset: HEADER_SIZE + header.manifestLength + header.signatureLength,
    size,
    fd,
    scratch: new Map(),
    close(): void {
      if (open) {
        open = false;
        closeSync(fd);
      }
    },
  };
}

function readExactly(fd: number, path: string, position: number, length: number): Buffer {
  const buf = Buffer.alloc(length);
  let done = 0;
  while (done < length) {
    const n = readSync(fd, buf, done, length - done, position + done);
    if (n === 0) throw packInvalid(path, `the file ended at byte ${position + done} while reading`, position + done);
    done += n;
  }
  return buf;
}

/**
 * Decodes blob `blobIndex` with its encoding's codec (src/format/codecs/), passing decoded chunks to
 * `onChunk` (each chunk is reused once it returns). A blob whose codec needs a base gets `base`: the old
 * content whose sha256 the caller checked equals `blob.base`, in memory, or the old file open
 * (`BaseFile`) for a codec whose `baseKind` is 'file' (zstd-windows). Throws PACK_CORRUPT at the first
 * decoded byte past the declared size, on any error of the codec, or when the stored hash, content hash
 * or size differ; a consumer uses the output only after this returns.
 */
export function decodeBlob(reader: PackReader, blobIndex: number, onChunk: (chunk: Buffer) => void, base?: Uint8Array | BaseFile, opts: DecodeOptions = {}): void {
  const blob = reader.manifest.blobs[blobIndex];
  if (blob === undefined) throw new Error(`blob ${blobIndex} does not exist in ${reader.path}`);
  const corrupt = (expected: string, actual: string): ServicePackError<'PACK_CORRUPT'> =>
    packCorrupt(reader.path, entryOfBlob(reader.manifest, blobIndex), expected, actual);
  const codec = codecOf(blob);
  const baseKind = baseKindOf(codec);
  if (baseKind !== undefined && base === undefined) throw new Error(`blob ${blobIndex} of ${reader.path} is a delta and needs its base`);
  if (baseKind === 'memory' && !(base instanceof Uint8Array)) throw new Error(`blob ${blobIndex} of ${reader.path} takes its base in memory`);
  if (baseKind === 'file' && base instanceof Uint8Array) throw new Error(`blob ${blobIndex} of ${reader.path} (${blob.encoding}) needs its base file`);
  const storedHash = createHash('sha256');
  const contentHash = opts.checkContent === false ? null : createHash('sha256');
  const input = Buffer.allocUnsafe(Math.min(CHUNK_SIZE, Math.max(blob.storedSize, 1)));
  const start = reader.payloadOffset + blob.offset;
  let read = 0;
  let decoded = 0;
  codec.decode({
    blob,
    base: baseKind === 'memory' ? (base as Uint8Array) : undefined,
    ...(baseKind === 'file' ? { baseFile: base as BaseFile } : {}),
    nextStored(): Buffer | null {
      if (read >= blob.storedSize) return null;
      const n = readSync(reader.fd, input, 0, Math.min(input.length, blob.storedSize - read), start + read);
      if (n === 0) throw packInvalid(reader.path, `the file ended inside blob #${blobIndex}`, start + read);
      read += n;
      const src = input.subarray(0, n);
      storedHash.update(src);
      return src;
    },
    write(chunk: Uint8Array): void {
      if (decoded + chunk.length > blob.size) {
        if (blob.size > decoded) onChunk(asBuffer(chunk).subarray(0, blob.size - decoded));
        throw corrupt(`${blob.size} bytes`, `more than ${blob.size} bytes`);
      }
      decoded += chunk.length;
      if (chunk.length === 0) return;
      const b = asBuffer(chunk);
      contentHash?.update(b);
      onChunk(b);
    },
    corrupt,
    scratch: reader.scratch,
  });
  // A codec that stopped early leaves stored bytes unread: they are hashed too, so a damaged tail is
  // reported as what it is.
  while (read < blob.storedSize) {
    const n = readSync(reader.fd, input, 0, Math.min(input.length, blob.storedSize - read), start + read);
    if (n === 0) throw packInvalid(reader.path, `the file ended inside blob #${blobIndex}`, start + read);
    read += n;
    storedHash.update(input.subarray(0, n));
  }
  const stored = storedHash.digest('hex');
  if (stored !== blob.storedSha256) throw corrupt(`stored sha256 ${blob.storedSha256}`, `stored sha256 ${stored}`);
  if (decoded !== blob.size) throw corrupt(`${blob.size} bytes`, `${decoded} bytes`);
  if (contentHash === null) return;
  const content = contentHash.digest('hex');
  if (content !== blob.sha256) throw contentMismatch(reader, blobIndex, content);
}

export interface DecodeOptions {
  /**
   * false: the decoded content is not hashed here; the caller checks it against the blob's sha256 (the
   * same PACK_CORRUPT through contentMismatch) before anything relies on it, e.g. by hashing the written
   * file on a second thread. The stored bytes and the decoded size are checked either way.
   */
  checkContent?: boolean;
}

/** PACK_CORRUPT for blob `blobIndex` when its decoded content hashed to `actual`, not the blob's sha256. */
export function contentMismatch(reader: PackReader, blobIndex: number, actual: string): ServicePackError<'PACK_CORRUPT'> {
  const blob = reader.manifest.blobs[blobIndex]!;
  return packCorrupt(reader.path, entryOfBlob(reader.manifest, blobIndex), `sha256 ${blob.sha256}`, `sha256 ${actual}`);
}

function asBuffer(chunk: Uint8Array): Buffer {
  return Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length);
}

/** Progress of `verifyPack`, reported after each blob. */
export interface VerifyProgress {
  blobsDone: number;
  blobsTotal: number;
  storedBytesDone: number;
  storedBytesTotal: number;
}

/**
 * Decodes every full blob, discarding the output, and hashes the stored bytes of every delta blob (its
 * base lives in the target; staging decodes and checks it): PACK_CORRUPT on the first that does not check out.
 */
export function verifyPack(reader: PackReader, onProgress?: (p: VerifyProgress) => void): void {
  const { blobs } = reader.manifest;
  let storedBytesDone = 0;
  for (let i = 0; i < blobs.length; i++) {
    if (codecOf(blobs[i]!).needsBase) checkStoredBytes(reader, i);
    else decodeBlob(reader, i, () => {});
    storedBytesDone += blobs[i]?.storedSize ?? 0;
    onProgress?.({ blobsDone: i + 1, blobsTotal: blobs.length, storedBytesDone, storedBytesTotal: reader.header.payloadLength });
  }
}

/** Hashes the stored bytes of blob `blobIndex`: PACK_CORRUPT when they differ from `storedSha256`. */
function checkStoredBytes(reader: PackReader, blobIndex: number): void {
  const blob = reader.manifest.blobs[blobIndex]!;
  const hash = createHash('sha256');
  const buf = Buffer.allocUnsafe(Math.min(CHUNK_SIZE, blob.storedSize));
  const start = reader.payloadOffset + blob.offset;
  for (let read = 0; read < blob.storedSize;) {
    const n = readSync(reader.fd, buf, 0, Math.min(buf.length, blob.storedSize - read), start + read);
    if (n === 0) throw packInvalid(reader.path, `the file ended inside blob #${blobIndex}`, start + read);
    hash.update(buf.subarray(0, n));
    read += n;
  }
  const stored = hash.digest('hex');
  if (stored !== blob.storedSha256) {
    throw packCorrupt(reader.path, entryOfBlob(reader.manifest, blobIndex), `stored sha256 ${blob.storedSha256}`, `stored sha256 ${stored}`);
  }
}

/** The first entry that references the blob: errors name a path, not an index. */
function entryOfBlob(manifest: Manifest, blobIndex: number): string {
  return manifest.entries.find((e) => e.blob === blobIndex)?.path ?? `blob #${blobIndex}`;
}

function notFound(path: string, cause: unknown): ServicePackError<'PACK_NOT_FOUND'> {
  return new ServicePackError('PACK_NOT_FOUND', `Cannot read service pack ${path}: it does not exist or is not a readable file.`, {
    hint: 'Check the path of the .svp file.',
    details: { path },
    cause,
  });
}
