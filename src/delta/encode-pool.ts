// Runs encode jobs across worker threads and hands each outcome to the caller in job order, so the pack
// is the same whatever the thread count. At most 2 jobs per worker are dispatched ahead of the next
// outcome to hand over: memory stays bounded by the workers' files plus those waiting outcomes.
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { encodeFile, type EncodeJob, type EncodeOutcome } from './encode-file.js';
import { newMemoryBudget } from './memory-budget.js';

/** Below this many new bytes in total, 'auto' encodes on the calling thread: starting workers costs more. */
export const INLINE_BYTES = 1 << 20;

/** The worker count for `threads`: 'auto' is one per core, or none (the calling thread) for small builds. */
export function workerCountFor(threads: number | 'auto', jobs: readonly EncodeJob[]): number {
  const totalBytes = jobs.reduce((sum, j) => sum + j.newSize, 0);
  const wanted = threads === 'auto' ? (totalBytes < INLINE_BYTES ? 0 : availableParallelism()) : threads;
  return Math.max(0, Math.min(wanted, jobs.length));
}

/**
 * Encodes `jobs` on worker threads (see `workerCountFor`) and calls `deliver` for job 0, 1, 2, ... in
 * order. A `deliver` that throws stops the pool and rejects with its error.
 */
export async function encodeAll(allJobs: readonly EncodeJob[], threads: number | 'auto', deliver: (index: number, outcome: EncodeOutcome) => void): Promise<void> {
  // One memory budget for the whole build, shared by the workers (memory-budget.ts).
  const budget = newMemoryBudget();
  const jobs = allJobs.map((j) => (j.old === undefined || j.budget !== undefined ? j : { ...j, budget }));
  const workerCount = workerCountFor(threads, jobs);
  if (workerCount === 0) {
    jobs.forEach((job, i) => deliver(i, encodeFile(job)));
    return;
  }
  const workers = Array.from({ length: workerCount }, () => new Worker(new URL('./encode-worker.js', import.meta.url)));
  try {
    await runOnWorkers(jobs, workers, deliver);
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

function runOnWorkers(jobs: readonly EncodeJob[], workers: Worker[], deliver: (index: number, outcome: EncodeOutcome) => void): Promise<void> {
  const ahead = workers.length * 2;
  const done = new Map<number, EncodeOutcome>();
  const idle = [...workers];
  let nextToSend = 0;
  let nextToDeliver = 0;
  return new Promise((resolve, reject) => {
    let failed = false;
    const fail = (err: unknown): void => {
      if (!failed) reject(err);
      failed = true;
    };
    const pump = (): void => {
      try {
        while (done.has(nextToDeliver)) {
          const outcome = done.get(nextToDeliver)!;
          done.delete(nextToDeliver);
          deliver(nextToDeliver++, outcome);
        }
      } catch (err) {
        fail(err);
        return;
      }
      if (nextToDeliver === jobs.length) resolve();
      while (idle.length > 0 && nextToSend < jobs.length && nextToSend < nextToDeliver + ahead) {
        idle.pop()!.postMessage({ id: nextToSend, job: jobs[nextToSend] });
        nextToSend++;
      }
    };
    for (const w of workers) {
      w.on('message', (m: { id: number; outcome: EncodeOutcome }) => {
        if (failed) return;
        done.set(m.id, m.outcome);
        idle.push(w);
        pump();
      });
      w.on('error', fail);
      w.on('exit', (code) => {
        if (nextToDeliver < jobs.length) fail(new Error(`an encode worker exited with code ${code} before the build finished`));
      });
    }
    pump();
  });
}
