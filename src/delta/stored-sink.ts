// Where an encoder's stored bytes go: kept in memory for a small file, written to a spill file beside
// the pack for a large one, so no file of any size is ever held whole (and no write is over 2 GiB).
import { closeSync, openSync, unlinkSync, writeSync } from 'node:fs';
import { hasErrno } from '../errors/index.js';

/** Stored bytes of a job whose new file is at least this large go to its spill file. */
export const SPILL_MIN_SIZE = 16 * 1024 * 1024;

export interface StoredSink {
  write(chunk: Uint8Array): void;
  /** Ends the sink: the bytes in memory, or the path of the spill file holding them. */
  finish(): { stored: Uint8Array } | { spilled: string };
  /** Ends the sink and drops what it holds. */
  discard(): void;
}

/** A sink in memory, or in a new file at `spillPath` when given. */
export function openSink(spillPath: string | undefined): StoredSink {
  if (spillPath === undefined) {
    const chunks: Buffer[] = [];
    let size = 0;
    return {
      write: (chunk) => {
        chunks.push(Buffer.from(chunk));
        size += chunk.length;
      },
      finish: () => {
        // An unpooled buffer of its own, so a worker can transfer it.
        const stored = new Uint8Array(size);
        let at = 0;
        for (const c of chunks) {
          stored.set(c, at);
          at += c.length;
        }
        return { stored };
      },
      discard: () => void chunks.splice(0),
    };
  }
  const fd = openSync(spillPath, 'w', 0o600);
  let size = 0;
  let open = true;
  const close = (): void => {
    if (open) closeSync(fd);
    open = false;
  };
  return {
    write: (chunk) => {
      for (let done = 0; done < chunk.length;) done += writeSync(fd, chunk, done, Math.min(chunk.length - done, 1 << 30), size + done);
      size += chunk.length;
    },
    finish: () => {
      close();
      return { spilled: spillPath };
    },
    discard: () => {
      close();
      removeSpill(spillPath);
    },
  };
}

/** Removes a spill file if it exists. */
export function removeSpill(path: string): void {
  try {
    unlinkSync(path);
  } catch (err) {
    if (!hasErrno(err, 'ENOENT')) throw err;
  }
}
