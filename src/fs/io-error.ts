// Turns an unexpected system error from a file operation into IO_FAILED naming the path and errno.
import { ServicePackError, isServicePackError } from '../errors/index.js';

export function ioFailed(err: unknown, operation: string, path: string): ServicePackError {
  if (isServicePackError(err)) return err;
  const errno = (err as NodeJS.ErrnoException | undefined)?.code ?? 'UNKNOWN';
  return new ServicePackError('IO_FAILED', `${operation} ${path} failed: ${errno}`, {
    hint: hintFor(errno),
    details: { path, operation, errno },
    cause: err,
  });
}

function hintFor(errno: string): string {
  switch (errno) {
    case 'ENOSPC': return 'Free space on the target file system and run the command again.';
    case 'EROFS': return 'The target file system is mounted read-only; remount it read-write.';
    case 'EACCES':
    case 'EPERM': return 'Check permissions and immutable attributes (lsattr) of the path, or run as its owner.';
    case 'ENAMETOOLONG': return 'The path is longer than the system allows (PATH_MAX). Paths are joined to --target as given: pass a shorter one, for example a relative path (`--target .` from inside the target).';
    case 'EXDEV': return 'The path is on another file system than the target; servicepack swaps files only within one.';
    default: return 'Check the path and the file system, then run the command again; the target was left unchanged.';
  }
}

/** Runs `fn`, converting a thrown system error into IO_FAILED for `path`. */
export function withIo<T>(operation: string, path: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw ioFailed(err, operation, path);
  }
}
