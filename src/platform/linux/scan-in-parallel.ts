// Splits a holder scan between the calling thread and a worker thread while staying synchronous: both
// claim chunks of the pid list from a shared counter (so a late or busy second thread simply takes
// fewer), then the caller blocks on Atomics.wait until the worker has finished its last chunk and
// takes its findings with receiveMessageOnPort. The scan's result does not depend on the worker: what
// it did not claim, the caller scanned.
import * as fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { MessageChannel, receiveMessageOnPort, Worker } from 'node:worker_threads';
import type { FileKey } from '../holds.js';
import type { ScanPart } from './scan-range.js';
import { BUSY, scanClaimedChunks, scannerFor, type SecondThreadAnswer, type SecondThreadJob } from './scan-worker-job.js';

/** Pids per claim: small enough that neither thread waits long for the other at the end. */
const CHUNK = 32;
/** The worker never takes longer than this for one chunk; past it, something is broken. */
const WAIT_LIMIT_MS = 60_000;

const workerFile = new URL('./scan-worker.js', import.meta.url);

/**
 * Scans `pids` on two threads. `share` pids at the end of the list are left to the worker alone
 * (tests); `bootMs` non-null asks for facts, computed against that boot time on both threads.
 */
export function scanInParallel(files: readonly FileKey[], pids: readonly number[], opts: { bootMs: number | null; share: number }): ScanPart & { secondThread: number } {
  const part: ScanPart = { found: [], uninspectable: [], inspected: 0, vanished: 0 };
  const scan = scannerFor(files, opts.bootMs);
  // A bundled copy without the worker file still scans, on one thread.
  if (!fs.existsSync(fileURLToPath(workerFile))) {
    scan(pids, 0, pids.length, part);
    return { ...part, secondThread: 0 };
  }
  const state = new Int32Array(new SharedArrayBuffer(2 * Int32Array.BYTES_PER_ELEMENT));
  const limit = pids.length - opts.share;
  // With a share reserved, the worker is busy from the start: the caller must wait for it.
  if (opts.share > 0) state[BUSY] = 1;
  const { port1, port2 } = new MessageChannel();
  const job: SecondThreadJob = { files, pids: [...pids], limit, chunk: CHUNK, bootMs: opts.bootMs, state: state.buffer as SharedArrayBuffer, port: port2 };
  const worker = new Worker(workerFile, { workerData: job, transferList: [port2] });
  worker.unref();
  // Errors of the scan itself come back as an answer; an 'error' event can only mean the worker never
  // ran, and then this thread has scanned every pid it did not claim.
  worker.on('error', () => {});
  try {
    scanClaimedChunks(scan, pids, state, CHUNK, limit, part);
    while (Atomics.load(state, BUSY) === 1) {
      if (Atomics.wait(state, BUSY, 1, WAIT_LIMIT_MS) === 'timed-out') throw new Error(`the holder scan's worker thread did not finish within ${WAIT_LIMIT_MS} ms`);
    }
    const answer = receiveMessageOnPort(port1)?.message as SecondThreadAnswer | undefined;
    if (answer === undefined) return { ...part, secondThread: 0 };
    if ('error' in answer) throw new Error(`holder scan (worker thread): ${answer.error}`);
    const theirs = answer.part;
    return {
      found: [...part.found, ...theirs.found],
      uninspectable: [...part.uninspectable, ...theirs.uninspectable],
      inspected: part.inspected + theirs.inspected,
      vanished: part.vanished + theirs.vanished,
      secondThread: theirs.inspected,
    };
  } finally {
    port1.close();
    void worker.terminate();
  }
}
