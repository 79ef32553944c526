// sync_file_range(SYNC_FILE_RANGE_WRITE) through native/writeback.c (built into dist/native/writeback.node):
// starts a file's write-back without waiting for it. Loaded on first use; where the module is not built
// or does not load here, starting write-back does nothing and the fsync alone writes the file.
import * as fs from 'node:fs';
import { constants } from 'node:os';
import { fileURLToPath } from 'node:url';
import { loadAddon } from './load-addon.js';

interface NativeModule {
  startWriteback(fd: number): number;
}

let loaded: NativeModule | null | undefined;

function nativeModule(): NativeModule | null {
  if (loaded !== undefined) return loaded;
  loaded = null;
  for (const rel of ['../native/writeback.node', '../../../native/writeback.node']) {
    const file = fileURLToPath(new URL(rel, import.meta.url));
    if (fs.existsSync(file)) {
      loaded = loadAddon<NativeModule>(file);
      break;
    }
  }
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
