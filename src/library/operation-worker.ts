// The entry of the worker thread that runs one library call (run-in-worker.ts starts it).
import { parentPort, workerData } from 'node:worker_threads';
import { serveOperation } from './serve-operation.js';
import type { WorkerInput } from './worker-protocol.js';

serveOperation(workerData as WorkerInput, parentPort!);
