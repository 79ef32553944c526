// Chooses the Platform for the running OS: the one place that reads process.platform.
import { linuxPlatform } from './linux/linux-platform.js';
import type { Platform } from './platform.js';
import { win32Platform } from './win32/win32-platform.js';

export type { BackgroundHasher, Platform, StopSignals } from './platform.js';
export { BACKGROUND_HASH_MIN_BYTES } from './platform.js';
export { strongerHold } from './holds.js';
export type { CommandOutcome, FileKey, HoldKind, HoldScan, ProcessFacts, ProcessHolds, ScanOptions, Uninspectable, UnitManager } from './holds.js';
export { retryDelays } from './win32/win32-platform.js';

export interface PlatformOptions {
  /** Windows: how long a rename refused by a file open elsewhere is retried (ms); see win32Platform. */
  inUseWaitMs?: number;
}

/**
 * The platform implementation for this OS: Linux, and Windows. Other systems get the Linux behaviour
 * for files (POSIX rename and link) and must bring their own holder scanning.
 */
export function selectPlatform(os: NodeJS.Platform = process.platform, options: PlatformOptions = {}): Platform {
  switch (os) {
    case 'win32':
      return win32Platform(options);
    default:
      return linuxPlatform();
  }
}
