// Errors cross the worker boundary as plain data and are rebuilt on the other side: a ServicePackError
// keeps its code, message, hint and details; any other error keeps what the CLI reports of a bug (name,
// message, errno, system call, path). Causes travel along, a few levels deep.
import { ServicePackError, type ErrorCode } from '../errors/index.js';

export interface SentError {
  code?: string;
  hint?: string;
  details?: unknown;
  servicePack: boolean;
  name: string;
  message: string;
  stack?: string;
  errno?: number;
  syscall?: string;
  path?: string;
  cause?: SentError;
}

const CAUSE_DEPTH = 4;

/** Plain, structured-cloneable data describing `err`. */
export function sendError(err: unknown, depth = 0): SentError {
  if (!(err instanceof Error)) return { servicePack: false, name: typeof err, message: String(err) };
  const e = err as NodeJS.ErrnoException;
  const sent: SentError = { servicePack: err instanceof ServicePackError, name: e.name, message: e.message };
  if (e.stack !== undefined) sent.stack = e.stack;
  if (err instanceof ServicePackError) {
    sent.code = err.code;
    sent.hint = err.hint;
    // Details are JSON by contract (they are the --json output).
    sent.details = JSON.parse(JSON.stringify(err.details ?? {})) as unknown;
  } else {
    if (typeof e.code === 'string') sent.code = e.code;
    if (typeof e.errno === 'number') sent.errno = e.errno;
    if (typeof e.syscall === 'string') sent.syscall = e.syscall;
    if (typeof e.path === 'string') sent.path = e.path;
  }
  if (e.cause !== undefined && depth < CAUSE_DEPTH) sent.cause = sendError(e.cause, depth + 1);
  return sent;
}

/** The error `sent` describes, rebuilt: a ServicePackError, or an Error with the errno fields. */
export function receiveError(sent: SentError): Error {
  const cause = sent.cause === undefined ? undefined : receiveError(sent.cause);
  let err: Error;
  if (sent.servicePack) {
    err = new ServicePackError(sent.code as ErrorCode, sent.message, { hint: sent.hint ?? '', details: sent.details as never, ...(cause === undefined ? {} : { cause }) });
  } else {
    err = new Error(sent.message, cause === undefined ? undefined : { cause });
    err.name = sent.name;
    const e = err as NodeJS.ErrnoException;
    if (sent.code !== undefined) e.code = sent.code;
    if (sent.errno !== undefined) e.errno = sent.errno;
    if (sent.syscall !== undefined) e.syscall = sent.syscall;
    if (sent.path !== undefined) e.path = sent.path;
  }
  // The stack where it was thrown (on the worker thread) is the useful one.
  if (sent.stack !== undefined) err.stack = sent.stack;
  return err;
}
