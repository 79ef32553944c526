// The runner's operation thread: the library's own worker body (serveOperation), with the crash window's
// markers around the operation, written by this thread so the strace log names it.
import { closeSync, openSync, writeSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { serveOperation } from '../../src/library/serve-operation.js';
import type { WorkerInput } from '../../src/library/worker-protocol.js';
import { WINDOW_BEGIN, WINDOW_END } from '../../test/crash/markers.js';

/**
 * strace counts `when=N` per thread, and libuv's pool thread (loading the ES modules of both threads) and
 * the main thread make hundreds of opens and writes of their own. Padding this thread's counts past
 * theirs keeps every call of the window at an ordinal no other thread reaches, so a kill always lands here.
 */
function padCounts(): void {
  for (let n = 0; n < PAD; n++) {
    const fd = openSync('/dev/null', 'w');
    writeSync(fd, '.');
    closeSync(fd);
  }
}
const PAD = 1000;

padCounts();
writeSync(1, `${WINDOW_BEGIN}\n`);
serveOperation(workerData as WorkerInput, parentPort!, () => writeSync(1, `${WINDOW_END}\n`));
