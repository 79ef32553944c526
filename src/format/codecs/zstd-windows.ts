// The `zstd-windows` encoding in the table of blob encodings: a delta for files of any size, window by
// window against ranges of the old FILE (docs/format.md, 'zstd-windows'; the records are in
// ../zstd-windows.ts). Its base is read from disk on both sides (`baseKind: 'file'`), never held whole.
import { decodeWindows, describeWindows, encodeWindows, minStoredSize, ZSTD_WINDOWS, type StoredReader } from '../zstd-windows.js';
import type { BlobCodec, DecodeContext } from './codec.js';

export const zstdWindowsCodec: BlobCodec = {
  name: ZSTD_WINDOWS,
  needsBase: true,
  baseKind: 'file',
  minStoredSize,
  encode(input, write) {
    if (input.basePath === undefined) throw new Error('zstd-windows encodes a file against its old file on disk');
    const e = encodeWindows(input.basePath, input.path, input.level, write);
    return { size: e.size, sha256: e.sha256, storedSize: e.storedSize, storedSha256: e.storedSha256, baseSha256: e.oldSha256 };
  },
  decode(ctx) {
    const baseFile = ctx.baseFile;
    if (baseFile === undefined) throw new Error('a zstd-windows blob decodes against its old file');
    const stored = exactReader(ctx);
    decodeWindows(stored.read, ctx.blob.size, baseFile, (chunk) => ctx.write(chunk), ctx.corrupt);
    // The records of `blob.size` bytes end where the stored bytes end: nothing may follow them.
    if (!stored.atEnd()) throw ctx.corrupt(`records ending at stored byte ${ctx.blob.storedSize}`, `records ending at stored byte ${stored.taken()}`);
  },
  describe: (blob) => `${describeWindows(blob.size)} (sha256 ${blob.base?.slice(0, 12) ?? '?'}…)`,
};

/**
 * Reads of exactly the length asked (a record header, a piece of a frame) over the reader's chunks of
 * stored bytes. A read within the current chunk is a view of it; one spanning chunks is copied into a
 * buffer of its own (at most one frame piece, 1 MiB).
 */
function exactReader(ctx: DecodeContext): { read: StoredReader; atEnd(): boolean; taken(): number } {
  let chunk: Buffer | null = null;
  let at = 0;
  let taken = 0;
  let own = Buffer.alloc(0);
  const read = (length: number): Buffer => {
    if (chunk !== null && chunk.length - at >= length) {
      const view = chunk.subarray(at, at + length);
      at += length;
      taken += length;
      return view;
    }
    if (own.length < length) own = Buffer.allocUnsafe(length);
    for (let got = 0; got < length;) {
      if (chunk === null || at === chunk.length) {
        chunk = ctx.nextStored();
        at = 0;
        if (chunk === null) throw ctx.corrupt(`records within the ${ctx.blob.storedSize} stored bytes`, 'a record past the end of the blob');
      }
      const n = Math.min(length - got, chunk.length - at);
      chunk.copy(own, got, at, at + n);
      got += n;
      at += n;
    }
    taken += length;
    return own.subarray(0, length);
  };
  return {
    read,
    atEnd: () => (chunk === null || at === chunk.length) && ctx.nextStored() === null,
    taken: () => taken,
  };
}
