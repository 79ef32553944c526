// Appends one line to a log file: one pwrite at its end (callers hold the target lock, so no other
// writer appends at the same time; data is written with pwrite only, see docs/crash-safety.md), never
// through a symlink planted in its place, flushed to disk before returning.
import * as fs from 'node:fs';
import { hasErrno } from '../errors/index.js';
import { ioFailed } from './io-error.js';

const NOFOLLOW = fs.constants.O_NOFOLLOW ?? 0;

export function appendLine(file: string, line: string): void {
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_RDWR | fs.constants.O_CREAT | NOFOLLOW, 0o644);
  } catch (err) {
    throw ioFailed(err, 'open', file);
  }
  try {
    // A line cut short by a crash is ended first, so it never swallows this one.
    const size = fs.fstatSync(fd).size;
    const last = Buffer.alloc(1);
    const cut = size > 0 && fs.readSync(fd, last, 0, 1, size - 1) === 1 && last[0] !== 0x0a;
    const bytes = Buffer.from(`${cut ? '\n' : ''}${line}\n`);
    fs.writeSync(fd, bytes, 0, bytes.length, size);
    fs.fsyncSync(fd);
  } catch (err) {
    throw ioFailed(err, 'write', file);
  } finally {
    fs.closeSync(fd);
  }
}

/** The lines of a log file, or none when it does not exist; never read through a symlink. */
export function readLines(file: string): string[] {
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | NOFOLLOW);
  } catch (err) {
    if (hasErrno(err, 'ENOENT')) return [];
    throw ioFailed(err, 'read', file);
  }
  try {
    return fs.readFileSync(fd, 'utf8').split('\n');
  } catch (err) {
    throw ioFailed(err, 'read', file);
  } finally {
    fs.closeSync(fd);
  }
}
