// The holder scan's worker thread (see scan-in-parallel.ts): scans its reserved share, then claims
// chunks until none are left, posts what it found, and only then drops BUSY, so the waiting thread
// finds the answer on its port.
import { isMainThread, workerData } from 'node:worker_threads';
import type { ScanPart } from './scan-range.js';
import { BUSY, scanClaimedChunks, scannerFor, type SecondThreadJob } from './scan-worker-job.js';

function runJob(job: SecondThreadJob): void {
  const state = new Int32Array(job.state);
  Atomics.store(state, BUSY, 1);
  try {
    const part: ScanPart = { found: [], uninspectable: [], inspected: 0, vanished: 0 };
    const scan = scannerFor(job.files, job.bootMs);
    scan(job.pids, job.limit, job.pids.length, part);
    scanClaimedChunks(scan, job.pids, state, job.chunk, job.limit, part);
    job.port.postMessage({ part });
  } catch (err) {
    job.port.postMessage({ error: err instanceof Error ? err.stack ?? err.message : String(err) });
  } finally {
    Atomics.store(state, BUSY, 0);
    Atomics.notify(state, BUSY);
  }
}

if (!isMainThread) runJob(workerData as SecondThreadJob);
