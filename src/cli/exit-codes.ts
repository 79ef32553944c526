// Exit codes (documented in the README): msiexec-like, with 3 meaning "done, restart needed".
import type { ErrorCode } from '../index.js';

export const EXIT = {
  ok: 0,
  failed: 1,
  usage: 2,
  restartNeeded: 3,
  recoveryNeeded: 4,
} as const;

export function exitCodeForError(code: ErrorCode): number {
  if (code === 'USAGE') return EXIT.usage;
  if (code === 'RECOVERY_NEEDED') return EXIT.recoveryNeeded;
  return EXIT.failed;
}
