// The interface every blob encoding implements. A blob's `encoding` names one codec of the table in
// codecs.ts; a new encoding is one new file exporting a BlobCodec, plus one line in that table.
import type { ServicePackError } from '../../errors/index.js';
import type { BlobRecord } from '../manifest.js';

/** The old file a blob decodes against when its codec streams its base: an open descriptor and its size, checked by the caller. */
export interface BaseFile {
  fd: number;
  size: number;
}

/**
 * What a codec's decoder gets from the pack reader. The reader owns the checks every encoding shares:
 * it hashes the stored bytes it hands out, counts and hashes what `write` receives, throws PACK_CORRUPT
 * at the first byte past `blob.size`, and compares both hashes and the size once `decode` returns.
 */
export interface DecodeContext {
  blob: BlobRecord;
  /**
   * The old content whose sha256 is `blob.base` (checked by the caller); set exactly when the codec
   * `needsBase` and its `baseKind` is 'memory'.
   */
  base: Uint8Array | undefined;
  /** The old file whose sha256 is `blob.base` (checked by the caller); set exactly when the codec's `baseKind` is 'file'. */
  baseFile?: BaseFile;
  /**
   * The next chunk of the blob's stored bytes (at most 1 MiB; reused by the next call), or null once
   * all `blob.storedSize` bytes were handed out. Sizes are numbers below 2^53 throughout.
   */
  nextStored(): Buffer | null;
  /** Passes decoded bytes on (the chunk may be reused once it returns). Throws past `blob.size`. */
  write(chunk: Uint8Array): void;
  /** The PACK_CORRUPT error naming this blob's entry, for any check the codec makes. */
  corrupt(expected: string, actual: string): ServicePackError<'PACK_CORRUPT'>;
  /** Per-pack state a codec may reuse from blob to blob (contexts, buffers), keyed by the codec. */
  scratch: Map<string, unknown>;
}

/** What a codec's encoder is given: the new content, and for a codec that `needsBase`, the old one. */
export interface EncodeInput {
  /** The new file on disk (`size` bytes), for codecs that stream it. */
  path: string;
  size: number;
  /** The new content in memory, when the caller has read it (delta codecs need it whole). */
  content?: Uint8Array;
  base?: Uint8Array;
  /** The old file on disk, for a codec whose `baseKind` is 'file' (it reads the file itself and gets no `base`). */
  basePath?: string;
  level: number;
  /**
   * The build's memory budget: reserves `bytes` for the encoder's own tables (waiting while other
   * encoders hold too much), returning the release function, or null when `bytes` exceeds the whole
   * budget (the codec then declines). Absent: no budget.
   */
  reserve?: (bytes: number) => (() => void) | null;
}

/** The decoded (`size`, `sha256`) and stored (`storedSize`, `storedSha256`) sides of an encoded blob. */
export interface EncodedBlob {
  size: number;
  sha256: string;
  storedSize: number;
  storedSha256: string;
  /**
   * Set by a codec that read its base from `EncodeInput.basePath`: the sha256 of the bytes it read, for
   * the caller to compare with the base it listed (the file may have changed since).
   */
  baseSha256?: string;
}

export interface BlobCodec {
  /** The manifest's `encoding` value. */
  readonly name: string;
  /** True when the stored bytes decode against old content (the blob then has a `base`). */
  readonly needsBase: boolean;
  /**
   * Where a codec that `needsBase` reads it (absent: 'memory'). 'memory': the whole old content, in
   * `EncodeInput.base` and `DecodeContext.base`. 'file': the old file, by `EncodeInput.basePath` and
   * `DecodeContext.baseFile`, read range by range so the base never has to fit in memory.
   */
  readonly baseKind?: 'memory' | 'file';
  /**
   * The fewest stored bytes a blob of `size` bytes can have. When set, the manifest check uses it instead
   * of the decompression-ratio bound: a codec that copies ranges of its base describes much with little.
   */
  minStoredSize?(size: number): number;
  /**
   * Encodes `input`, passing the stored bytes to `write` in order (each chunk may be reused once it
   * returns). Null when the codec does not apply to this content (the caller then tries another);
   * nothing was written then. Build side only.
   */
  encode(input: EncodeInput, write: (chunk: Uint8Array) => void): EncodedBlob | null;
  /** Decodes one blob through `ctx` with memory bounded by what the manifest declares (see docs/format.md). */
  decode(ctx: DecodeContext): void;
  /** A short human description of a blob of this encoding, for `inspect`. */
  describe(blob: BlobRecord): string;
}

/** Where `codec` reads its base: undefined for a codec that needs none. */
export function baseKindOf(codec: BlobCodec): 'memory' | 'file' | undefined {
  return codec.needsBase ? (codec.baseKind ?? 'memory') : undefined;
}
