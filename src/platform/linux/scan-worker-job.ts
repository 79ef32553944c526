// What the holder scan's worker thread is given and answers, and the layout of the shared counters.
import type { MessagePort } from 'node:worker_threads';
import type { FileKey } from '../holds.js';
import type { ScanPart } from './scan-range.js';

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
