// Worker-thread entry: encodes the jobs the pool sends, one at a time, and posts each outcome back
// with its stored bytes transferred (not copied).
import { parentPort } from 'node:worker_threads';
import { encodeFile, type EncodeJob } from './encode-file.js';

const port = parentPort;
if (port === null) throw new Error('encode-worker.js runs only as a worker thread');
port.on('message', (message: { id: number; job: EncodeJob }) => {
  const outcome = encodeFile(message.job);
  const transfer = outcome.ok && outcome.file.stored !== undefined ? [outcome.file.stored.buffer as ArrayBuffer] : [];
  port.postMessage({ id: message.id, outcome }, transfer);
});
