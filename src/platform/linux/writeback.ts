// sync_file_range(SYNC_FILE_RANGE_WRITE) through native/writeback.c (built into dist/native/writeback.node):
// starts a file's write-back without waiting for it. Loaded on first use; where the module is not built
// or does not load here, starting write-back does nothing and the fsync alone writes the file.
import { constants } from 'node:os';
import { loadNativeAddon } from './load-addon.js';

interface NativeModule {
  startWriteback(fd: number): number;
}

let loaded: NativeModule | null | undefined;

function nativeModule(): NativeModule | null {
  if (loaded !== undefined) return loaded;
  loaded = loadNativeAddon<NativeModule>('writeback.node');
  return loaded;
}

/**
 * Starts writing `fd`'s dirty pages to disk and returns at once. A hint: its errors are not the file's
 * (the fsync that follows reports a failed write-back), except a descriptor that is not open, which is
 * a mistake of the caller.
 */
export function startWriteback(fd: number): void {
  const native = nativeModule();
  if (native === null) return;
  const errno = native.startWriteback(fd);
  if (errno === constants.errno.EBADF) throw Object.assign(new Error(`sync_file_range: descriptor ${fd} is not open`), { code: 'EBADF' });
}
