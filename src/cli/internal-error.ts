// Any thrown value the library did not turn into a coded error becomes INTERNAL_ERROR: reported like
// every other error (a message, a --json result line, no stack trace), yet distinguishable as a bug by
// its code and its exit code (70).
import { ServicePackError, isServicePackError } from '../index.js';

export function asServicePackError(err: unknown): ServicePackError {
  if (isServicePackError(err)) return err;
  const e = err instanceof Error ? (err as NodeJS.ErrnoException) : undefined;
  const details: ServicePackError<'INTERNAL_ERROR'>['details'] = { name: e?.name ?? typeof err, message: e?.message ?? String(err) };
  if (typeof e?.code === 'string') details.errno = e.code;
  if (typeof e?.syscall === 'string') details.syscall = e.syscall;
  if (typeof e?.path === 'string') details.path = e.path;
  return new ServicePackError('INTERNAL_ERROR', `internal error (a bug in servicepack): ${details.message}`, {
    hint: 'Please report this with the command line and its --json output. Run `servicepack status --target <dir>` to see whether a transaction is pending, and `servicepack recover --target <dir>` if one is.',
    details,
    cause: err,
  });
}
