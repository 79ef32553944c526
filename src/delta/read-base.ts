// Apply side of a delta: read the old file a zstd-patch blob decodes against, from the target itself,
// and prove it is the base by hash before zstd sees it (the preflight's check may be stale by now).
import { readFileSync } from 'node:fs';
import { ServicePackError, hasErrno } from '../errors/index.js';
import { sha256Hex } from '../format/hash.js';
import { ioFailed } from '../fs/io-error.js';

/**
 * The content of `file` (the target's `path`), which must hash to `expected`: DELTA_BASE_MISMATCH when
 * it does not or is gone. Memory: the whole file; zstd then keeps its own copy while decoding.
 */
export function readBase(target: string, path: string, file: string, expected: string): Buffer {
  let content: Buffer;
  try {
    content = readFileSync(file);
  } catch (err) {
    if (hasErrno(err, 'ENOENT', 'ENOTDIR', 'EISDIR')) throw mismatch(target, path, expected, 'absent or not a file', err);
    throw ioFailed(err, 'read', file);
  }
  const actual = sha256Hex(content);
  if (actual !== expected) throw mismatch(target, path, expected, actual, undefined);
  return content;
}

function mismatch(target: string, path: string, expected: string, actual: string, cause: unknown): ServicePackError<'DELTA_BASE_MISMATCH'> {
  return new ServicePackError('DELTA_BASE_MISMATCH', `${path} changed in the target after the preflight: expected sha256 ${expected}, read ${actual}`, {
    hint: 'Something is writing into the installation during the install. Stop it, then run the install again; nothing was changed.',
    details: { target, path, expected, actual },
    cause,
  });
}
