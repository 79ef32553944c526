// New files written now and fsynced later, together: each file's write-back is started as soon as it is
// written (where the platform can: Linux's sync_file_range), so the disk writes it while the next ones
// are decoded, and the fsyncs at the end mostly find their data on disk (dpkg's deferred fsync). Each
// descriptor stays open until its fsync, so a write-back error is reported to the fsync that vouches
// for the file. All calls are synchronous, so crash points stay deterministic.
import * as fs from 'node:fs';
import type { Platform } from '../platform/index.js';
import { createFilled, type NewFileOptions } from './durable.js';
import { withIo } from './io-error.js';

/** At most this many files wait for their fsync with an open descriptor; then all of them are synced. */
const MAX_PENDING = 128;

export interface DeferredSync {
  /** Creates `file` (never an existing one) with exactly `mode`; `fill` writes its content. Synced by `flush`. */
  writeNewFile(file: string, mode: number, fill: (write: (chunk: Uint8Array) => void) => void, opts?: NewFileOptions): void;
  /** Copies the file `from` to a new file `to` with exactly `mode` (and `owner`). Synced by `flush`. */
  copyNewFile(from: string, to: string, mode: number, opts?: Pick<NewFileOptions, 'owner'>): void;
  /** fsyncs and closes every pending file, in the order they were written. */
  flush(): void;
  /** Closes every pending descriptor without syncing (the caller is abandoning the files). */
  close(): void;
}

/** What deferred syncing asks of the Platform: starting a file's write-back, where it can. */
export type WritebackStart = Pick<Platform, 'startWriteback'>;

export function deferredSync(platform: WritebackStart = {}): DeferredSync {
  let pending: { fd: number; file: string }[] = [];
  const hold = (fd: number, file: string): void => {
    pending.push({ fd, file });
    // After the push: should it throw, close() still closes the descriptor.
    if (platform.startWriteback !== undefined) withIo('write', file, () => platform.startWriteback!(fd));
    if (pending.length >= MAX_PENDING) flush();
  };
  const close = (): void => {
    const open = pending;
    pending = [];
    for (const p of open) fs.closeSync(p.fd);
  };
  const flush = (): void => {
    try {
      for (const p of pending) withIo('fsync', p.file, () => fs.fsyncSync(p.fd));
    } finally {
      close();
    }
  };
  return {
    writeNewFile(file, mode, fill, opts): void {
      hold(createFilled(file, mode, fill, opts), file);
    },
    copyNewFile(from, to, mode, opts = {}): void {
      withIo('copy', to, () => fs.copyFileSync(from, to, fs.constants.COPYFILE_EXCL));
      const owner = opts.owner;
      if (owner !== undefined) withIo('chown', to, () => fs.chownSync(to, owner.uid, owner.gid));
      withIo('chmod', to, () => fs.chmodSync(to, mode));
      hold(withIo('open', to, () => fs.openSync(to, 'r')), to);
    },
    flush,
    close,
  };
}
