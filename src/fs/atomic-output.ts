// Writes a file so it appears whole or not at all: a temp file beside the target, fsynced, renamed over
// the target, then the directory fsynced so the rename itself survives a crash.
import { closeSync, fsyncSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { ServicePackError, hasErrno } from '../errors/index.js';

const MAX_WRITE = 1 << 30;

/** An output file being written; exactly one of `commit` or `abort` ends it. */
export interface AtomicOutput {
  /** The temp file's descriptor, open for reading and writing. */
  readonly fd: number;
  readonly tempPath: string;
  /** Appends all of `buf` at the current end of what was written through `write`; on failure the output is aborted. */
  write(buf: Uint8Array): void;
  /** Bytes written through `write` so far. */
  readonly size: number;
  /** fsync, close, rename over the target, fsync the directory; on failure before the rename, the output is aborted. */
  commit(): void;
  /** Close and remove the temp file; the target is untouched. Safe to call after a failed commit. */
  abort(): void;
}

/** Starts writing `path` through a temp file `.<base>.tmp-<pid>` in the same directory. */
export function openAtomicOutput(path: string): AtomicOutput {
  const dir = dirname(path);
  const tempPath = join(dir, `.${basename(path)}.tmp-${process.pid}`);
  const fd = ioStep(path, 'create', () => openSync(tempPath, 'w+', 0o644));
  let open = true;
  let size = 0;
  const close = (): void => {
    if (open) {
      open = false;
      closeSync(fd);
    }
  };
  const abort = (): void => {
    try {
      close();
    } finally {
      try {
        unlinkSync(tempPath);
      } catch (err) {
        if (!hasErrno(err, 'ENOENT')) throw err;
      }
    }
  };
  return {
    fd,
    tempPath,
    get size() {
      return size;
    },
    write(buf: Uint8Array): void {
      let done = 0;
      try {
        while (done < buf.length) {
          // One write of at most 1 GiB: Node refuses lengths of 2 GiB and more (ERR_OUT_OF_RANGE).
          done += ioStep(path, 'write', () => writeSync(fd, buf, done, Math.min(buf.length - done, MAX_WRITE), size + done));
        }
      } catch (err) {
        // A failed write (ENOSPC) ends the output: the partial temp file is removed at once.
        abort();
        throw err;
      }
      size += buf.length;
    },
    commit(): void {
      try {
        ioStep(path, 'fsync', () => fsyncSync(fd));
        close();
        ioStep(path, 'rename', () => renameSync(tempPath, path));
      } catch (err) {
        // Nothing was published: the temp file (on a full disk, the space to free) goes now.
        abort();
        throw err;
      }
      // The target now has the new content; only the directory entry's durability is left.
      ioStep(dir, 'fsync', () => fsyncDirectory(dir));
    },
    abort,
  };
}

/** fsync a directory. Some platforms cannot open or fsync a directory; there the rename is as durable as it gets. */
function fsyncDirectory(dir: string): void {
  let fd: number;
  try {
    fd = openSync(dir, 'r');
  } catch (err) {
    if (hasErrno(err, 'EISDIR', 'EPERM', 'EACCES')) return;
    throw err;
  }
  try {
    fsyncSync(fd);
  } catch (err) {
    if (!hasErrno(err, 'EINVAL', 'EPERM', 'EBADF')) throw err;
  } finally {
    closeSync(fd);
  }
}

function ioStep<T>(path: string, operation: string, step: () => T): T {
  try {
    return step();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException | null)?.code;
    if (err instanceof Error && typeof code === 'string' && (err as NodeJS.ErrnoException).syscall !== undefined) {
      throw new ServicePackError('IO_FAILED', `Cannot ${operation} ${path}: ${err.message}`, {
        hint: 'Check that the output directory exists, is writable and has free space.',
        details: { path, operation, errno: code },
        cause: err,
      });
    }
    throw err;
  }
}
