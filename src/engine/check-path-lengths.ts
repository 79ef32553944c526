// Refuses, before any change, an install or uninstall whose paths would exceed the system's path length once joined
// to the target as given: the longest one a transaction uses is the set-aside copy under
// `.servicepack/backup/<txid>/files/`. Without this check a step would fail with ENAMETOOLONG mid-work.
import * as path from 'node:path';
import { ServicePackError } from '../errors/index.js';
import type { Platform } from '../platform/index.js';
import { backupFilesOf, type Layout } from '../records/layout.js';
import { newTxid } from '../records/new-txid.js';

/** `paths` are relative to the target: every path the transaction changes. */
export function checkPathLengths(layout: Layout, paths: Iterable<string>, platform: Platform): void {
  // Every txid has the same length; the longest path of an entry is its set-aside copy.
  const asideRoot = path.join(layout.dir, backupFilesOf(newTxid()));
  const limit = platform.maxPathBytes;
  for (const p of paths) {
    const bytes = Buffer.byteLength(path.join(asideRoot, p));
    if (bytes > limit) {
      throw new ServicePackError('PATH_TOO_LONG', `${p} is too long for the target ${layout.target}: its set-aside copy would have a ${bytes}-byte path, the system allows ${limit}`, {
        hint: 'Paths are joined to --target as given: pass a shorter --target (a relative path, for example `--target .` from inside the target). Nothing was changed.',
        details: { target: layout.target, path: p, bytes, limit },
      });
    }
  }
}
