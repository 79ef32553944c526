// What the calling thread and an operation's worker thread say to each other.
import type { ProgressEvent } from '../records/events.js';
import type { SentError } from './transfer-error.js';

export interface WorkerInput {
  name: string;
  /** The call's arguments without what cannot cross threads (callbacks, the AbortSignal). */
  args: unknown[];
  /** An Int32Array's buffer: [0] becomes 1 when the caller asks the operation to stop. */
  stop: SharedArrayBuffer;
  watchStopSignals: boolean;
  platformName: NodeJS.Platform | undefined;
}

export type WorkerMessage =
  | { kind: 'event'; event: ProgressEvent }
  | { kind: 'done'; result: unknown }
  | { kind: 'failed'; error: SentError };
