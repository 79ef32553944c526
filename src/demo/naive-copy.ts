// What a naive setup program does: copy each new file over the old one in place, and record what
// the operating system said (ETXTBSY for a running executable; success for a mapped library).
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { hasErrno } from '../errors/index.js';

export interface NaiveCopyResult {
  path: string;
  /** 'copied', or the errno code the copy failed with (e.g. 'ETXTBSY'). */
  outcome: 'copied' | 'ETXTBSY' | string;
}

/** Copies `fromDir/rel` over `toDir/rel` for each relative path, in order, never stopping on errno failures. */
export function naiveCopyOver(fromDir: string, toDir: string, relPaths: string[]): NaiveCopyResult[] {
  return relPaths.map((path) => {
    try {
      copyFileSync(join(fromDir, path), join(toDir, path));
      return { path, outcome: 'copied' };
    } catch (err) {
      // Recording the errno is the point of the demo; anything without one is a real bug.
      if (hasErrno(err, 'ETXTBSY', 'EBUSY', 'EACCES', 'EPERM', 'ENOENT', 'EISDIR', 'ENOSPC', 'EROFS')) {
        return { path, outcome: err.code ?? 'unknown' };
      }
      throw err;
    }
  });
}
