// Durable file-system primitives: every write to disk in servicepack goes through src/fs/.
// All calls are synchronous so that crash points are deterministic (one syscall sequence per run).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ServicePackError, hasErrno } from '../errors/index.js';
import type { Platform } from '../platform/index.js';
import { ioFailed, withIo } from './io-error.js';

/** What the durable primitives ask of the Platform. */
export type Durability = Pick<Platform, 'canFsyncDirectories'>;
/** What a rename of a target file asks of the Platform. */
export type RenamePolicy = Pick<Platform, 'inUseRetryDelaysMs'>;

/**
 * fsync a directory so that renames, links and unlinks inside it survive power loss. Where the OS cannot
 * sync a directory (Windows: EPERM), this does nothing: the files were flushed before they were renamed,
 * and the renames rest on the file system's own metadata log (docs/crash-safety.md, "Windows").
 */
export function fsyncDir(dir: string, platform: Durability): void {
  if (!platform.canFsyncDirectories) return;
  withIo('fsync', dir, () => {
    const fd = fs.openSync(dir, fs.constants.O_RDONLY | fs.constants.O_DIRECTORY);
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  });
}

/** fsyncs each directory once, in path order. */
export function fsyncDirs(dirs: Iterable<string>, platform: Durability): void {
  for (const d of [...new Set(dirs)].sort()) fsyncDir(d, platform);
}

/**
 * fsyncs the parent of each directory in `created` (except those in `skip`), once: what makes a new
 * directory's own entry durable. The new directories' contents are the business of whoever fills them.
 */
export function fsyncParentsOf(created: readonly string[], skip: ReadonlySet<string>, platform: Durability): void {
  fsyncDirs(created.map((d) => path.dirname(d)).filter((d) => !skip.has(d)), platform);
}

/**
 * Writes all of `data` at offset `pos` of `fd`. Always positional (pwrite): the result does not depend
 * on the descriptor's offset, and disk writes are distinguishable from the event-loop wake-ups that
 * Node makes with plain write(2), which keeps crash points deterministic (docs/crash-safety.md).
 */
export function writeAt(fd: number, pos: number, data: Uint8Array): void {
  let off = 0;
  while (off < data.length) off += fs.writeSync(fd, data, off, data.length - off, pos + off);
}

/** Writes `data` to `file` atomically: temp file in the same directory, fsync, rename, fsync directory. */
export function writeFileAtomic(file: string, data: string | Uint8Array, platform: Durability): void {
  const dir = path.dirname(file);
  const tmp = path.join(dir, `.${path.basename(file)}.tmp-${process.pid}`);
  try {
    withIo('write', tmp, () => {
      const fd = fs.openSync(tmp, 'w', 0o644);
      try {
        writeAt(fd, 0, typeof data === 'string' ? Buffer.from(data) : data);
        fs.fsyncSync(fd);
      } finally {
        fs.closeSync(fd);
      }
    });
    withIo('rename', file, () => fs.renameSync(tmp, file));
  } catch (err) {
    // A full disk (ENOSPC) must not keep the partial temp file: it is the space the user must free.
    removeTemp(tmp);
    throw err;
  }
  fsyncDir(dir, platform);
}

/** Best effort: the error being reported is the write's; a temp file left is removed by recover. */
function removeTemp(tmp: string): void {
  try {
    fs.unlinkSync(tmp);
  } catch {
    // ENOENT (never created) or the file system refusing even this: recover removes it later.
  }
}

/** lstat that returns null for a missing path (never follows a final symlink). */
export function lstatOrNull(p: string): fs.Stats | null {
  try {
    return fs.lstatSync(p);
  } catch (err) {
    if (hasErrno(err, 'ENOENT', 'ENOTDIR')) return null;
    throw err;
  }
}

/** True when both paths exist and are the same inode. */
export function sameInode(a: string, b: string): boolean {
  const sa = lstatOrNull(a);
  const sb = lstatOrNull(b);
  return sa !== null && sb !== null && sa.dev === sb.dev && sa.ino === sb.ino;
}

/** Creates `dir` and its missing parents; returns the directories it created, outermost first. */
export function makeDirs(dir: string): string[] {
  const created: string[] = [];
  const missing: string[] = [];
  let cur = dir;
  while (lstatOrNull(cur) === null) {
    missing.unshift(cur);
    const parent = path.dirname(cur);
    if (parent === cur) break;
    cur = parent;
  }
  for (const d of missing) {
    try {
      fs.mkdirSync(d, 0o755);
      created.push(d);
    } catch (err) {
      // Another process made it between our lstat and our mkdir (two first installs at once): it is
      // theirs, not ours to remove; the target lock decides which of us goes on.
      if (!hasErrno(err, 'EEXIST') || lstatOrNull(d)?.isDirectory() !== true) throw ioFailed(err, 'mkdir', d);
    }
  }
  return created;
}

/**
 * Removes a tree that belongs to servicepack (staging, backups); a missing tree is fine. Not fs.rmSync:
 * on Node 24 and 26 (a C++ implementation) it reports a failed unlink or rmdir with an empty code
 * and errno UNKNOWN, and IO_FAILED must name the errno (docs/node-lines.md).
 */
export function removeTree(p: string): void {
  withIo('remove', p, () => removeEntry(p));
}

function removeEntry(p: string): void {
  const st = lstatOrNull(p);
  if (st === null) return;
  if (st.isDirectory()) {
    for (const name of fs.readdirSync(p)) removeEntry(path.join(p, name));
    removeIfExists(p, fs.rmdirSync);
  } else removeIfExists(p, fs.unlinkSync);
}

function removeIfExists(p: string, remove: (p: string) => void): void {
  try {
    remove(p);
  } catch (err) {
    if (!hasErrno(err, 'ENOENT')) throw err;
  }
}

export const rename = (from: string, to: string): void => withIo('rename', to, () => fs.renameSync(from, to));

/**
 * Renames `from` to `to`, waiting and retrying while another process has one of them open without
 * delete sharing (EBUSY on Windows), as long as the Platform's retry delays last. Then FILE_IN_USE,
 * naming the file that is in use (`blame`: the target path, the one a user knows).
 */
export function renameWhenFree(from: string, to: string, platform: RenamePolicy, blame: string): void {
  const delays = platform.inUseRetryDelaysMs;
  for (let attempt = 0; ; attempt++) {
    try {
      fs.renameSync(from, to);
      return;
    } catch (err) {
      if (!hasErrno(err, 'EBUSY') || delays.length === 0) throw ioFailed(err, 'rename', to);
      const delay = delays[attempt];
      if (delay === undefined) throw fileInUse(blame, attempt + 1, delays, err);
      sleep(delay);
    }
  }
}

function fileInUse(file: string, attempts: number, delays: readonly number[], cause: unknown): ServicePackError {
  const waitedMs = delays.reduce((a, b) => a + b, 0);
  return new ServicePackError('FILE_IN_USE', `${file} is in use by another process (EBUSY after ${attempts} attempts over ${waitedMs} ms)`, {
    hint: 'Close the program that has the file open (`servicepack holders` names it where the system can tell), then run the command again. The target was left unchanged.',
    details: { path: file, errno: 'EBUSY', attempts, waitedMs },
    cause,
  });
}

/** Blocks this thread for `ms`: the transaction is synchronous on purpose (deterministic crash points). */
function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

export const link = (existing: string, newPath: string): void =>
  withIo('link', newPath, () => fs.linkSync(existing, newPath));
/**
 * Hard-links `existing` as `newPath`; false when the file system or its policy refuses hard links
 * (EPERM under protected_hardlinks, ENOTSUP, EMLINK), so the caller can rename instead.
 */
export function tryLink(existing: string, newPath: string): boolean {
  try {
    fs.linkSync(existing, newPath);
    return true;
  } catch (err) {
    if (hasErrno(err, 'EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'EMLINK')) return false;
    throw ioFailed(err, 'link', newPath);
  }
}

export const unlink = (p: string): void => withIo('unlink', p, () => fs.unlinkSync(p));
export const unlinkIfExists = (p: string): void => withIo('unlink', p, () => removeIfExists(p, fs.unlinkSync));
/** rmdir that leaves a directory that is not empty (or already gone) alone. */
export function removeEmptyDir(dir: string): void {
  try {
    fs.rmdirSync(dir);
  } catch (err) {
    if (!hasErrno(err, 'ENOTEMPTY', 'EEXIST', 'ENOENT')) throw ioFailed(err, 'rmdir', dir);
  }
}

export const makeDir = (p: string, mode = 0o755): void => withIo('mkdir', p, () => fs.mkdirSync(p, mode));
/** Gives `p` exactly `mode` unless it already has it (the umask or an inherited setgid bit may differ after mkdir). */
export function setMode(p: string, mode: number): void {
  const st = lstatOrNull(p);
  if (st !== null && (st.mode & 0o7777) !== mode) withIo('chmod', p, () => fs.chmodSync(p, mode));
}
export const removeDir = (p: string): void => withIo('rmdir', p, () => fs.rmdirSync(p));

/** How a new file is made beyond its content: who owns it, and whether runs of zeros become holes. */
export interface NewFileOptions {
  /** Given to the file before its mode (chown clears setuid and setgid). */
  owner?: { uid: number; gid: number };
  /** Aligned 4 KiB blocks of zeros are not written: they stay holes (the file is sized at the end). */
  sparse?: boolean;
  /** The returned descriptor can also read the file (O_RDWR), e.g. for a hash of what was written. */
  readable?: boolean;
}

/** The block size of hole detection: the page size and the usual file system block. */
const HOLE_BLOCK = 4096;

/**
 * Creates a new file (never an existing one) with exactly `mode` and lets `fill` write its content
 * through the given writer (positional writes, so crash points are reproducible). The file is created
 * with at most 0600 and gets its owner, then its mode, once the content is written. Returns the open
 * descriptor: the caller fsyncs and closes it. On failure the descriptor is closed.
 */
export function createFilled(file: string, mode: number, fill: (write: (chunk: Uint8Array) => void) => void, opts: NewFileOptions = {}): number {
  const access = opts.readable === true ? fs.constants.O_RDWR : fs.constants.O_WRONLY;
  const fd = withIo('create', file, () => fs.openSync(file, access | fs.constants.O_CREAT | fs.constants.O_EXCL, mode & 0o600));
  try {
    let pos = 0;
    fill((chunk) => {
      if (opts.sparse === true) writeSkippingZeros(fd, file, pos, chunk);
      else withIo('write', file, () => writeAt(fd, pos, chunk));
      pos += chunk.length;
    });
    if (opts.sparse === true) withIo('truncate', file, () => fs.ftruncateSync(fd, pos));
    const owner = opts.owner;
    if (owner !== undefined) withIo('chown', file, () => fs.fchownSync(fd, owner.uid, owner.gid));
    withIo('chmod', file, () => fs.fchmodSync(fd, mode));
    return fd;
  } catch (err) {
    fs.closeSync(fd);
    throw err;
  }
}

/** Writes `chunk` at `pos`, leaving out each whole aligned HOLE_BLOCK of zeros. */
function writeSkippingZeros(fd: number, file: string, pos: number, chunk: Uint8Array): void {
  let start = 0;
  let at = 0;
  const flush = (end: number): void => {
    if (end > start) withIo('write', file, () => writeAt(fd, pos + start, chunk.subarray(start, end)));
  };
  while (at < chunk.length) {
    const blockEnd = at + HOLE_BLOCK - ((pos + at) % HOLE_BLOCK);
    if ((pos + at) % HOLE_BLOCK === 0 && blockEnd <= chunk.length && isZero(chunk.subarray(at, blockEnd))) {
      flush(at);
      start = blockEnd;
    }
    at = Math.min(blockEnd, chunk.length);
  }
  flush(chunk.length);
}

const ZERO_BLOCK = new Uint8Array(HOLE_BLOCK);
const isZero = (block: Uint8Array): boolean => Buffer.compare(block, ZERO_BLOCK.subarray(0, block.length)) === 0;

/** createFilled, then fsync before closing. */
export function writeNewFile(file: string, mode: number, fill: (write: (chunk: Uint8Array) => void) => void): void {
  const fd = createFilled(file, mode, fill);
  try {
    withIo('fsync', file, () => fs.fsyncSync(fd));
  } finally {
    fs.closeSync(fd);
  }
}

/** The names in `dir`, or none when it does not exist. */
export function listOrEmpty(dir: string): string[] {
  try {
    return fs.readdirSync(dir);
  } catch (err) {
    if (hasErrno(err, 'ENOENT')) return [];
    throw err;
  }
}

export const makeSymlink = (target: string, p: string): void => withIo('symlink', p, () => fs.symlinkSync(target, p));
