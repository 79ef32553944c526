// What the holder scan's worker thread is given and answers, the layout of the shared counters, and
// the parts both threads run alike: the scanner and the claiming of chunks.
import type { MessagePort } from 'node:worker_threads';
import type { FileKey } from '../holds.js';
import { processFactsReader } from './process-facts.js';
import { rangeScanner, type RangeScanner, type ScanPart } from './scan-range.js';

/** Int32 slots of the shared state: the next unclaimed index, and 1 while the worker may still add findings. */
export const NEXT = 0;
export const BUSY = 1;

export interface SecondThreadJob {
  files: FileKey[] | readonly FileKey[];
  pids: number[];
  /** Indexes below `limit` are claimed in chunks by both threads; from `limit` on, the worker scans alone. */
  limit: number;
  chunk: number;
  /** Non-null: read facts, with this boot time. */
  bootMs: number | null;
  state: SharedArrayBuffer;
  /** Where the answer is posted, before BUSY drops to 0. */
  port: MessagePort;
}

export type SecondThreadAnswer = { part: ScanPart } | { error: string };

/** The range scanner of a two-thread scan: facts read against `bootMs` (the same on both threads) unless it is null. */
export function scannerFor(files: readonly FileKey[], bootMs: number | null): RangeScanner {
  return rangeScanner(files, bootMs === null ? undefined : processFactsReader(() => bootMs));
}

/** Claims chunks of pids[0..limit) from the shared counter and scans each, until none are left. */
export function scanClaimedChunks(scan: RangeScanner, pids: readonly number[], state: Int32Array, chunk: number, limit: number, part: ScanPart): void {
  for (let from = Atomics.add(state, NEXT, chunk); from < limit; from = Atomics.add(state, NEXT, chunk)) {
    scan(pids, from, Math.min(from + chunk, limit), part);
  }
}
