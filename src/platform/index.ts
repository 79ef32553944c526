// Chooses the Platform for the running OS: the one place that reads process.platform.
import { linuxPlatform } from './linux/linux-platform.js';
import type { Platform } from './platform.js';

export type { Platform, StopSignals } from './platform.js';
export type { CommandOutcome, FileKey, HoldKind, HoldScan, ProcessFacts, ProcessHolds, ScanOptions, Uninspectable, UnitManager } from './holds.js';

/**
 * The platform implementation for this OS. Only Linux is implemented and verified; other systems get
 * the Linux behaviour for files (POSIX rename and link) and must bring their own holder scanning.
 */
export function selectPlatform(os: NodeJS.Platform = process.platform): Platform {
  switch (os) {
    default:
      return linuxPlatform();
  }
}
