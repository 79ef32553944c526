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

/** The exit codes as `servicepack --help` lists them (the README has the same table). */
export const EXIT_CODES_HELP = `
Exit codes:
  0        done (install: also "already installed")
  1        failed; the target is unchanged (verify: differences were found)
  2        usage error
  3        done, but processes still run the old version: restart them
  4        a transaction is pending: run servicepack recover --target <dir>
  5        health check failed; rolled back: the target is the previous version
  70       internal error (a bug in servicepack)
  130, 143 stopped by SIGINT, SIGTERM`;
