// Apply side of a delta: read the old file a zstd-patch blob decodes against, from the target itself,
// and prove it is the base by hash before zstd sees it (the preflight's check may be stale by now).
import { closeSync, fstatSync, openSync, readFileSync, readSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { ServicePackError, hasErrno } from '../errors/index.js';
import { CHUNK_SIZE, sha256Hex } from '../format/hash.js';
import type { BaseFile } from '../format/zstd-windows.js';
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

/**
 * Opens `file` (the target's `path`) as the base of a `zstd-windows` blob, checks that it hashes to
 * `expected` reading 1 MiB at a time, and runs `use` with it open. DELTA_BASE_MISMATCH when it does not
 * hash so, is gone, or changes (size, modification or change time) while `use` runs and fails.
 * Memory: 1 MiB, whatever the file's size.
 */
export function withBaseFile(target: string, path: string, file: string, expected: string, use: (base: BaseFile) => void): void {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (err) {
    if (hasErrno(err, 'ENOENT', 'ENOTDIR', 'EISDIR')) throw mismatch(target, path, expected, 'absent or not a file', err);
    throw ioFailed(err, 'open', file);
  }
  try {
    const before = fstatSync(fd, { bigint: true });
    if (!before.isFile()) throw mismatch(target, path, expected, 'not a regular file', undefined);
    const actual = hashOpen(fd, file);
    if (actual !== expected) throw mismatch(target, path, expected, actual, undefined);
    try {
      use({ fd, size: Number(before.size) });
    } catch (err) {
      // A file rewritten while it was read decodes to the wrong content: name the cause, not the pack.
      const after = fstatSync(fd, { bigint: true });
      if (after.size !== before.size || after.mtimeNs !== before.mtimeNs || after.ctimeNs !== before.ctimeNs) throw mismatch(target, path, expected, 'a file written to while it was read', err);
      throw err;
    }
  } finally {
    closeSync(fd);
  }
}

function hashOpen(fd: number, file: string): string {
  const hash = createHash('sha256');
  const buf = Buffer.allocUnsafe(CHUNK_SIZE);
  try {
    for (let pos = 0; ;) {
      const n = readSync(fd, buf, 0, CHUNK_SIZE, pos);
      if (n === 0) break;
      hash.update(buf.subarray(0, n));
      pos += n;
    }
  } catch (err) {
    throw ioFailed(err, 'read', file);
  }
  return hash.digest('hex');
}

function mismatch(target: string, path: string, expected: string, actual: string, cause: unknown): ServicePackError<'DELTA_BASE_MISMATCH'> {
  return new ServicePackError('DELTA_BASE_MISMATCH', `${path} changed in the target after the preflight: expected sha256 ${expected}, read ${actual}`, {
    hint: 'Something is writing into the installation during the install. Stop it, then run the install again; nothing was changed.',
    details: { target, path, expected, actual },
    cause,
  });
}
