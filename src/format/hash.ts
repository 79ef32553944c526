// SHA-256 of files and buffers: files are read synchronously in 1 MiB chunks, so size never limits memory.
import { closeSync, openSync, readSync } from 'node:fs';
import { createHash } from 'node:crypto';

/** Chunk size for every streaming read and write of the format code. */
export const CHUNK_SIZE = 1024 * 1024;

/** Lowercase hex SHA-256 of `data`. */
export function sha256Hex(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Lowercase hex SHA-256 and byte count of the file at `path`, read to its end at the time of reading. */
export function hashFile(path: string): { sha256: string; size: number } {
  const fd = openSync(path, 'r');
  try {
    const hash = createHash('sha256');
    const buf = Buffer.allocUnsafe(CHUNK_SIZE);
    let size = 0;
    for (;;) {
      const n = readSync(fd, buf, 0, CHUNK_SIZE, size);
      if (n === 0) break;
      hash.update(buf.subarray(0, n));
      size += n;
    }
    return { sha256: hash.digest('hex'), size };
  } finally {
    closeSync(fd);
  }
}
