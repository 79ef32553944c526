// Windows: files are set aside by rename (a loaded DLL can be renamed on its volume but not replaced or
// deleted), directories cannot be fsynced, NTFS has no exec bit, symlinks need a privilege, and a file
// open without delete sharing refuses renames for as long as it stays open: those are retried for a while.
// Never reads /proc: under Wine a Linux /proc is visible through the Z: drive and describes other processes.
import type { CommandOutcome, UnitManager } from '../holds.js';
import { runCommand } from '../linux/run-command.js';
import type { Platform } from '../platform.js';
import { pendingRebootDeletes, scheduleDeleteAtReboot } from './delete-at-reboot.js';
import { describeProcessWin32 } from './process-facts.js';
import { processStartTokenWin32 } from './process-times.js';
import { scanHoldsWin32 } from './scan-holds.js';

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

function lockOwnerState(owner: { pid: number; start: string | null }): 'running' | 'gone' | 'unknown' {
  // This process is the one asking, so it does not hold the lock: a record with its pid was left by an
  // earlier process that had the same pid (Windows hands out freed pids again soon).
  if (owner.pid === process.pid) return 'gone';
  return owner.start !== null && processStartTokenWin32(owner.pid) === owner.start ? 'running' : 'gone';
}

/**
 * Long paths (Node adds the `\\?\` prefix itself) reach 32,767 UTF-16 units; counted in UTF-8 bytes this
 * is a conservative bound.
 */
const MAX_PATH_BYTES = 32767;

const NO_SERVICES = 'servicepack does not restart Windows services';
const noServices: UnitManager = { available: false, reason: NO_SERVICES };

function restartUnit(unit: string): CommandOutcome {
  return { argv: [unit], exitCode: null, signal: null, error: NO_SERVICES, output: '' };
}

export function win32Platform(options: Win32Options = {}): Platform {
  return {
    name: 'win32', setAside: 'rename', pathRules: 'ntfs', canFsyncDirectories: false, hasExecBit: false, canCreateSymlinks: false,
    inUseRetryDelaysMs: retryDelays(options.inUseWaitMs ?? 3400), maxPathBytes: MAX_PATH_BYTES,
    processStartToken: processStartTokenWin32, pidNamespace: () => null, lockOwnerState, describeProcess: describeProcessWin32,
    scanHolds: scanHoldsWin32, scansPlacesByPath: true, now: () => Date.now(), runCommand, unitManager: () => noServices, restartUnit,
    // ACLs, not owner and mode bits, guard a directory on Windows: not checked (docs/windows.md).
    stateDirProblem: () => null,
    deleteAtReboot: scheduleDeleteAtReboot, pendingRebootDeletes,
  };
}
