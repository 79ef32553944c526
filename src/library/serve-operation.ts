// The body of an operation's worker thread: runs the operation synchronously, so every syscall of its
// transaction is made on this one thread, in the same order each run (crash points stay deterministic).
// It posts events and the outcome to the calling thread; a stop is read from the shared flag (an
// AbortSignal) and, when asked, from the process's synchronous signal handling (native/stop-signals.c).
import type { MessagePort } from 'node:worker_threads';
import { selectPlatform } from '../platform/index.js';
import { runOperation } from './operation-table.js';
import { sendError } from './transfer-error.js';
import type { WorkerInput, WorkerMessage } from './worker-protocol.js';

/** Runs `input`'s operation and posts its events and outcome on `port`; `afterRun` runs right before the outcome is posted. */
export function serveOperation(input: WorkerInput, port: MessagePort, afterRun: () => void = () => {}): void {
  const post = (m: WorkerMessage): void => port.postMessage(m);
  const flag = new Int32Array(input.stop);
  const gate = input.watchStopSignals ? selectPlatform(input.platformName).stopSignals?.() ?? null : null;
  let outcome: WorkerMessage;
  try {
    const result = runOperation(input.name, input.args, {
      emit: (event) => post({ kind: 'event', event }),
      stopRequested: () => (Atomics.load(flag, 0) === 1 ? 'AbortSignal' : gate?.pending() ?? null),
    });
    outcome = { kind: 'done', result };
  } catch (err) {
    outcome = { kind: 'failed', error: sendError(err) };
  }
  afterRun();
  post(outcome);
}
