// Exit codes (documented in the README): msiexec-like, with 3 meaning "done, restart needed"; a signal
// ends with the shell's 128 + signal number; a bug (INTERNAL_ERROR) with sysexits' EX_SOFTWARE.
import type { ServicePackError } from '../index.js';

export const EXIT = {
  ok: 0,
  failed: 1,
  usage: 2,
  restartNeeded: 3,
  recoveryNeeded: 4,
  healthFailed: 5,
  internal: 70,
  sigint: 130,
  sigterm: 143,
} as const;

export function exitCodeForError(err: ServicePackError): number {
  switch (err.code) {
    case 'USAGE': return EXIT.usage;
    case 'RECOVERY_NEEDED': return EXIT.recoveryNeeded;
    case 'HEALTH_FAILED': return EXIT.healthFailed;
    case 'INTERNAL_ERROR': return EXIT.internal;
    case 'INTERRUPTED': return exitCodeForSignal((err as ServicePackError<'INTERRUPTED'>).details.signal);
    default: return EXIT.failed;
  }
}

export const exitCodeForSignal = (signal: string): number => (signal === 'SIGINT' ? EXIT.sigint : EXIT.sigterm);
