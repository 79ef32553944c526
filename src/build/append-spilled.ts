// Moves a spill file (the stored bytes of one large blob, written by an encoder) onto the end of the
// payload spool, 1 MiB at a time, then removes it.
import { closeSync, openSync, readSync } from 'node:fs';
import { removeSpill } from '../delta/stored-sink.js';
import { CHUNK_SIZE } from '../format/hash.js';
import type { AtomicOutput } from '../fs/atomic-output.js';

/** Appends the `size` bytes of the file at `path` to `spool` and removes the file. */
export function appendSpilled(spool: AtomicOutput, path: string, size: number): void {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.allocUnsafe(CHUNK_SIZE);
    for (let done = 0; done < size;) {
      const n = readSync(fd, buf, 0, Math.min(CHUNK_SIZE, size - done), done);
      if (n === 0) throw new Error(`the spill file ${path} ended at ${done} of ${size} bytes`);
      spool.write(buf.subarray(0, n));
      done += n;
    }
  } finally {
    closeSync(fd);
  }
  removeSpill(path);
}
