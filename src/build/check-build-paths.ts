// Refuses, as BUILD_INPUT, release trees whose entries a pack could not carry: unsafe paths, names that
// collide after normalisation and case folding within one tree, over-long link targets, too many entries.
import { join } from 'node:path';
import { isServicePackError } from '../errors/index.js';
import type { ManifestEntry } from '../format/manifest.js';
import { MAX_ENTRIES, MAX_SYMLINK_TARGET_BYTES } from '../format/manifest-parse.js';
import { foldedCollision } from '../format/manifest-check.js';
import { checkEntryPath } from '../format/paths.js';
import { buildInputError } from '../inventory/build-input-error.js';

/** Throws BUILD_INPUT naming the first offending path in `newDir` (or `oldDir` for removed entries). */
export function checkBuildPaths(entries: ManifestEntry[], oldDir: string, newDir: string): void {
  if (entries.length > MAX_ENTRIES) throw buildInputError(newDir, `the trees hold ${entries.length} paths, more than ${MAX_ENTRIES}`);
  const folded = { old: new Map<string, string>(), new: new Map<string, string>() };
  for (const entry of entries) {
    const where = join(entry.new === undefined ? oldDir : newDir, entry.path);
    try {
      checkEntryPath(entry.path);
    } catch (err) {
      if (isServicePackError(err, 'PACK_UNSAFE_PATH')) throw buildInputError(where, err.details.reason, err);
      throw err;
    }
    const other = foldedCollision(folded, entry);
    if (other !== undefined) {
      throw buildInputError(where, `its path collides with ${JSON.stringify(other)} of the same tree on case-insensitive or normalising file systems`);
    }
    for (const node of [entry.old, entry.new]) {
      if (node?.type === 'symlink' && Buffer.byteLength(node.target, 'utf8') > MAX_SYMLINK_TARGET_BYTES) {
        throw buildInputError(where, `its link target is longer than ${MAX_SYMLINK_TARGET_BYTES} bytes`);
      }
    }
  }
}
