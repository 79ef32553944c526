// Compresses one file into one zstd frame, streaming in 1 MiB chunks: single-threaded, content size in
// the frame header, no frame checksum, so equal input and level always give equal bytes.
import { closeSync, openSync, readSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { CHUNK_SIZE } from './hash.js';
import { newCompressor, zstd } from './zstd.js';

/** What encoding a file produced: the decoded (`size`, `sha256`) and stored (`storedSize`, `storedSha256`) sides. */
export interface EncodedBlob {
  size: number;
  sha256: string;
  storedSize: number;
  storedSha256: string;
}

/**
 * Compresses the file at `sourcePath`, whose size is expected to be `expectedSize`, passing each stored
 * chunk to `write` (the chunk is reused once `write` returns). Throws a plain Error from zstd if the
 * file's length differs from `expectedSize`; the caller compares the returned content hash.
 */
export function encodeBlobFromFile(sourcePath: string, expectedSize: number, level: number, write: (chunk: Buffer) => void): EncodedBlob {
  const z = zstd();
  const cctx = newCompressor(level);
  cctx.setPledgedSrcSize(expectedSize);
  const contentHash = createHash('sha256');
  const storedHash = createHash('sha256');
  const input = Buffer.allocUnsafe(CHUNK_SIZE);
  const output = Buffer.allocUnsafe(CHUNK_SIZE);
  let size = 0;
  let storedSize = 0;
  const emit = (n: number): void => {
    if (n === 0) return;
    const chunk = output.subarray(0, n);
    storedHash.update(chunk);
    storedSize += n;
    write(chunk);
  };
  const fd = openSync(sourcePath, 'r');
  try {
    for (;;) {
      const n = readSync(fd, input, 0, CHUNK_SIZE, size);
      if (n === 0) break;
      const src = input.subarray(0, n);
      contentHash.update(src);
      size += n;
      let consumedTotal = 0;
      while (consumedTotal < n) {
        const [, produced, consumed] = cctx.compressStream2(output, src.subarray(consumedTotal), z.EndDirective.continue);
        consumedTotal += consumed;
        emit(produced);
      }
    }
  } finally {
    closeSync(fd);
  }
  const empty = Buffer.alloc(0);
  for (;;) {
    const [remaining, produced] = cctx.compressStream2(output, empty, z.EndDirective.end);
    emit(produced);
    if (remaining === 0) break;
  }
  return { size, sha256: contentHash.digest('hex'), storedSize, storedSha256: storedHash.digest('hex') };
}
