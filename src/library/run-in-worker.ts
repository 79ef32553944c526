// The Promise variant of every library operation: checks the options here (so a bad call fails before a
// thread starts), then runs the operation on a worker thread of its own and relays its events, the stop
// request and its outcome. The event loop of the caller stays free meanwhile.
import { Worker } from 'node:worker_threads';
import { ServicePackError, abortedError } from '../errors/index.js';
import type { CallOptions } from './api-types.js';
import { operationFor } from './operation-table.js';
import { receiveError } from './transfer-error.js';
import type { WorkerInput, WorkerMessage } from './worker-protocol.js';

const WORKER = new URL('./operation-worker.js', import.meta.url);

/**
 * Runs operation `name` (operation-table.ts) with `args` on a new worker thread. `worker` is the
 * thread's entry: a module that calls serveOperation (the crash harness adds its markers there).
 */
export function runInWorker(name: string, args: unknown[], worker: URL = WORKER): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const entry = operationFor(name, args);
    const o = (args[entry.optionsAt] ?? {}) as CallOptions;
    if (typeof o.platform === 'object') {
      throw new ServicePackError('USAGE', `${name}: a Platform object cannot cross to the operation's thread`, {
        hint: `Pass the platform's name (platform: '${o.platform.name}'), or call ${name}Sync.`,
        details: { argument: 'platform' },
      });
    }
    if (o.stopRequested !== undefined) {
      throw new ServicePackError('USAGE', `${name}: stopRequested is polled on the calling thread, which the Promise variant leaves free`, {
        hint: `Pass signal (an AbortSignal) instead, or call ${name}Sync.`,
        details: { argument: 'stopRequested' },
      });
    }
    const { signal, onEvent } = o;
    if (signal?.aborted === true) throw abortedError(signal);
    const sendable = args.map((a, i) => (i === entry.optionsAt ? withoutCallbacks(a as CallOptions) : a));
    const input: WorkerInput = {
      name, args: sendable, stop: new SharedArrayBuffer(4), watchStopSignals: o.watchStopSignals === true,
      platformName: typeof o.platform === 'string' ? o.platform : undefined,
    };
    const flag = new Int32Array(input.stop);
    const thread = new Worker(worker, { workerData: input });
    let settled = false;
    let listenerError: unknown;
    const finish = (fn: () => void): void => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      fn();
    };
    function onAbort(): void {
      Atomics.store(flag, 0, 1);
      // A call that only reads can end anywhere; one that changes the target stops at its own polls.
      if (entry.readOnly(args)) finish(() => void thread.terminate().then(() => reject(abortedError(signal!)), reject));
    }
    signal?.addEventListener('abort', onAbort, { once: true });
    thread.on('message', (m: WorkerMessage) => {
      if (m.kind === 'event') {
        try {
          onEvent?.(m.event);
        } catch (err) {
          // Like a listener that throws in a synchronous call: the operation stops (rolls back if it can).
          listenerError ??= err;
          Atomics.store(flag, 0, 1);
        }
      } else if (m.kind === 'done') finish(() => (listenerError === undefined ? resolve(m.result) : reject(listenerError)));
      else finish(() => reject(listenerError ?? withAbortReason(receiveError(m.error), signal)));
    });
    thread.once('error', (err) => finish(() => reject(err)));
    thread.once('exit', (code) => finish(() => reject(new Error(`the worker thread of ${name} exited (code ${code}) without an outcome`))));
  });
}

/** An INTERRUPTED for the AbortSignal carries the abort's reason as its cause, as a stop before the start does. */
function withAbortReason(err: Error, signal: AbortSignal | undefined): Error {
  if (signal?.aborted === true && err instanceof ServicePackError && err.code === 'INTERRUPTED' && err.details.signal === 'AbortSignal') {
    return Object.assign(err, { cause: signal.reason as unknown });
  }
  return err;
}

function withoutCallbacks(o: CallOptions | undefined): unknown {
  if (o === undefined) return undefined;
  const { signal: _s, onEvent: _e, stopRequested: _r, ...rest } = o as CallOptions & Record<string, unknown>;
  return rest;
}
