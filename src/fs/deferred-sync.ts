// New files written now and fsynced later, together: each file's write-back is started as soon as it is
// written (where the platform can: Linux's sync_file_range), so the disk writes it while the next ones
// are decoded, and the fsyncs at the end mostly find their data on disk (dpkg's deferred fsync). Each
// descriptor stays open until its fsync, so a write-back error is reported to the fsync that vouches
// for the file. Where the platform has a background hasher, a file written with an expected hash is
// hashed from its descriptor on the hasher's thread while the next ones are decoded, and checked before
// its fsync (or by `check`). All calls are synchronous, so crash points stay deterministic.
import * as fs from 'node:fs';
import { BACKGROUND_HASH_MIN_BYTES, type BackgroundHasher, type Platform } from '../platform/index.js';
import { createFilled, type NewFileOptions } from './durable.js';
import { withIo } from './io-error.js';

/** At most this many files wait for their fsync with an open descriptor; then all of them are synced. */
const MAX_PENDING = 128;

/** What a new file's content must hash to (and its size), and the error for a file that does not. */
export interface ExpectedContent {
  sha256: string;
  size: number;
  mismatch(actual: string): Error;
}

/**
 * The largest content the background hasher checks by reading the written file back (the smallest is
 * BACKGROUND_HASH_MIN_BYTES): a larger file might no longer be in the page cache when the thread reads
 * it (a second read from disk), so it is hashed as it is written.
 */
const BACKGROUND_MAX_BYTES = 256 * 1024 * 1024;

export interface DeferredSync {
  /**
   * Creates `file` (never an existing one) with exactly `mode`; `fill` writes its content. Synced by
   * `flush`. With `expected`, `fill` is told whether it must check the content itself (`checkContent`):
   * false when the background hasher will, before the fsync (files of 64 KiB to 256 MiB, where the
   * platform has one).
   */
  writeNewFile(file: string, mode: number, fill: (write: (chunk: Uint8Array) => void, checkContent: boolean) => void, opts?: NewFileOptions, expected?: ExpectedContent): void;
  /** Copies the file `from` to a new file `to` with exactly `mode` (and `owner`). Synced by `flush`. */
  copyNewFile(from: string, to: string, mode: number, opts?: Pick<NewFileOptions, 'owner'>): void;
  /** Checks every pending file's content that the background hasher has (waiting for it): the first mismatch throws. */
  check(): void;
  /** Checks and fsyncs each pending file in the order they were written (a mismatch throws before that file's fsync), then closes them. */
  flush(): void;
  /** Closes every pending descriptor without syncing (the caller is abandoning the files). */
  close(): void;
}

/** What deferred syncing asks of the Platform: starting a file's write-back, and hashing beside it, where it can. */
export type DeferredSyncPlatform = Pick<Platform, 'startWriteback' | 'backgroundHasher'>;

interface Pending {
  fd: number;
  file: string;
  /** The background hash of the file's content, checked before its fsync. */
  check?: { job: number; expected: ExpectedContent };
}

export function deferredSync(platform: DeferredSyncPlatform = {}): DeferredSync {
  let pending: Pending[] = [];
  let hasher: BackgroundHasher | null | undefined;
  const backgroundHasher = (): BackgroundHasher | null => {
    if (hasher === undefined) hasher = platform.backgroundHasher?.() ?? null;
    return hasher;
  };
  const hold = (p: Pending): void => {
    pending.push(p);
    // After the push: should it throw, close() still closes the descriptor.
    if (platform.startWriteback !== undefined) withIo('write', p.file, () => platform.startWriteback!(p.fd));
    if (pending.length >= MAX_PENDING) flush();
  };
  const checkOne = (p: Pending): void => {
    if (p.check === undefined) return;
    const { job, expected } = p.check;
    const { sha256 } = withIo('read', p.file, () => hasher!.result(job));
    p.check = undefined;
    if (sha256 !== expected.sha256) throw expected.mismatch(sha256);
  };
  const check = (): void => pending.forEach(checkOne);
  const close = (): void => {
    // The hasher first: it may be reading one of the descriptors.
    hasher?.close();
    hasher = undefined;
    const open = pending;
    pending = [];
    for (const p of open) fs.closeSync(p.fd);
  };
  const flush = (): void => {
    try {
      // Each file is checked just before its fsync: the fsyncs of the first files overlap the hashing of the last.
      for (const p of pending) {
        checkOne(p);
        withIo('fsync', p.file, () => fs.fsyncSync(p.fd));
      }
    } finally {
      close();
    }
  };
  return {
    writeNewFile(file, mode, fill, opts = {}, expected): void {
      const inWindow = expected !== undefined && expected.size >= BACKGROUND_HASH_MIN_BYTES && expected.size <= BACKGROUND_MAX_BYTES;
      const background = inWindow ? backgroundHasher() : null;
      const fd = createFilled(file, mode, (write) => fill(write, background === null), background === null ? opts : { ...opts, readable: true });
      if (background === null || expected === undefined) return hold({ fd, file });
      let job: number;
      try {
        job = background.addFd(fd);
      } catch (err) {
        fs.closeSync(fd);
        throw err;
      }
      hold({ fd, file, check: { job, expected } });
    },
    copyNewFile(from, to, mode, opts = {}): void {
      withIo('copy', to, () => fs.copyFileSync(from, to, fs.constants.COPYFILE_EXCL));
      const owner = opts.owner;
      if (owner !== undefined) withIo('chown', to, () => fs.chownSync(to, owner.uid, owner.gid));
      withIo('chmod', to, () => fs.chmodSync(to, mode));
      hold({ fd: withIo('open', to, () => fs.openSync(to, 'r')), file: to });
    },
    check,
    flush,
    close,
  };
}
