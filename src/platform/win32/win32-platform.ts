// Windows: files are set aside by rename (a loaded DLL can be renamed on its volume but not replaced or
// deleted), directories cannot be fsynced, NTFS has no exec bit, symlinks need a privilege, and a file
// open without delete sharing refuses renames for as long as it stays open: those are retried for a while.
// Never reads /proc: under Wine a Linux /proc is visible through the Z: drive and describes other processes.
import type { CommandOutcome, HoldScan, UnitManager } from '../holds.js';
import { runCommand } from '../linux/run-command.js';
import type { Platform } from '../platform.js';

export interface Win32Options {
  /**
   * How long, in total, a rename refused because the file is open elsewhere is retried before the
   * transaction gives up (default 3,400 ms: waits of 200, 400, 800, 1,000 and 1,000 ms).
   */
  inUseWaitMs?: number;
}

/** Doubling waits from 200 ms, each at most 1 s, adding up to `totalMs` (the last one shortened to fit). */
export function retryDelays(totalMs: number): number[] {
  const delays: number[] = [];
  let left = totalMs;
  for (let next = 200; left > 0; next = Math.min(next * 2, 1000)) {
    delays.push(Math.min(next, left));
    left -= next;
  }
  return delays;
}

/**
 * Whether a process with this pid runs. Without a creation time the token cannot tell a reused pid
 * from the original owner, so a lock of a dead owner whose pid was reused is seen as held (never
 * taken over wrongly).
 */
function processStartToken(pid: number): string | null {
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return null;
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') throw err;
  }
  return 'running'; // FALLBACK until the GetProcessTimes token is wired in
}

function lockOwnerState(owner: { pid: number; start: string | null }): 'running' | 'gone' | 'unknown' {
  // This process is the one asking, so it does not hold the lock: a record with its pid was left by an
  // earlier process that had the same pid (Windows hands out freed pids again soon).
  if (owner.pid === process.pid) return 'gone';
  return owner.start !== null && processStartToken(owner.pid) === owner.start ? 'running' : 'gone';
}

/** The holders of files come from the process and handle tables (not wired in yet: nothing is found). */
function scanHolds(): HoldScan {
  return { found: [], uninspectable: [], inspected: 0, vanished: 0, secondThread: 0 }; // HOLDERS: wired to the win32 scan at merge
}

/** Only this process's own command line is known without the process table. */
const describeProcess = (pid: number): string | undefined => (pid === process.pid ? process.argv.join(' ') : undefined);

const NO_SERVICES = 'servicepack does not restart Windows services';
const noServices: UnitManager = { available: false, reason: NO_SERVICES };

function restartUnit(unit: string): CommandOutcome {
  return { argv: [unit], exitCode: null, signal: null, error: NO_SERVICES, output: '' };
}

export function win32Platform(options: Win32Options = {}): Platform {
  return {
    name: 'win32', setAside: 'rename', canFsyncDirectories: false, hasExecBit: false, canCreateSymlinks: false,
    inUseRetryDelaysMs: retryDelays(options.inUseWaitMs ?? 3400),
    processStartToken, pidNamespace: () => null, lockOwnerState, describeProcess,
    scanHolds, now: () => Date.now(), runCommand, unitManager: () => noServices, restartUnit,
  };
}
