// The one error type users see: a stable code, a hint saying what to do, typed details per code.
import type { ErrorCode, ErrorDetails } from './codes.js';

export class ServicePackError<C extends ErrorCode = ErrorCode> extends Error {
  readonly code: C;
  readonly hint: string;
  readonly details: ErrorDetails[C];

  constructor(code: C, message: string, opts: { hint: string; details: ErrorDetails[C]; cause?: unknown }) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'ServicePackError';
    this.code = code;
    this.hint = opts.hint;
    this.details = opts.details;
  }

  /** A plain object for `--json` output. */
  toJSON(): { code: C; message: string; hint: string; details: ErrorDetails[C] } {
    return { code: this.code, message: this.message, hint: this.hint, details: this.details };
  }
}

/** True when `err` is a ServicePackError, optionally with the given code. */
export function isServicePackError<C extends ErrorCode>(err: unknown, code?: C): err is ServicePackError<C> {
  return err instanceof ServicePackError && (code === undefined || err.code === code);
}

/** True when `err` is a Node system error with one of the given errno codes. */
export function hasErrno(err: unknown, ...codes: string[]): err is NodeJS.ErrnoException {
  return typeof err === 'object' && err !== null && codes.includes((err as NodeJS.ErrnoException).code ?? '');
}

/** INTERRUPTED: the command was asked to stop by `signal`; what it changed was rolled back. */
export function interruptedError(signal: string): ServicePackError<'INTERRUPTED'> {
  return new ServicePackError('INTERRUPTED', `stopped by ${signal}`, {
    hint: 'Nothing was left half-done: a transaction that had not reached its point of no return was rolled back, and the target is the old version. Run the command again when wanted.',
    details: { signal },
  });
}

/** INTERRUPTED for an aborted AbortSignal, carrying the abort's reason as its cause. */
export function abortedError(signal: AbortSignal): ServicePackError<'INTERRUPTED'> {
  return Object.assign(interruptedError('AbortSignal'), { cause: signal.reason as unknown });
}
