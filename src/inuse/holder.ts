// The holder model: one process holding one path of a target, and how (see docs/holders.md).
import type { HoldKind, ProcessFacts, Uninspectable } from '../platform/index.js';

export type { HoldKind, Uninspectable } from '../platform/index.js';

/** A process that holds a file or directory of the target. One entry per process and path: the strongest hold. */
export interface Holder extends ProcessFacts {
  pid: number;
  /** Relative to the target, '/'-separated; set-aside files are under `.servicepack/backup/`. */
  path: string;
  kind: HoldKind;
}

/** The outcome of one scan of the running processes. */
export interface HolderReport {
  /** Sorted by pid, then path. */
  holders: Holder[];
  /** Processes that could not be inspected (not this user's, without privileges): they may hold files too. */
  uninspectable: Uninspectable[];
  /** How many processes were inspected. */
  inspected: number;
}

/** An entry to look for, by its identity on disk ('other': a symlink, FIFO or socket). */
export interface TargetFile {
  path: string;
  dev: number;
  ino: number;
  type: 'file' | 'dir' | 'other';
}
