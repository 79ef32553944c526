// The delta bases the preflight keeps in memory for staging: it reads and hashes each old file anyway,
// so staging decodes against those very bytes instead of reading and hashing the file again. Bounded:
// beyond HELD_BASES_MAX_BYTES in all, staging reads the remaining bases itself, one at a time.
import { baseKindOf } from '../format/codecs/codec.js';
import { codecOf } from '../format/codecs/codecs.js';
import type { Manifest } from '../format/manifest.js';
import type { FileSnapshot } from '../inventory/file-snapshot.js';
import type { Inventory } from '../inventory/inventory.js';

/** At most this many bytes of old files are held from the preflight to staging. */
export const HELD_BASES_MAX_BYTES = 256 * 1024 * 1024;

/** The paths whose old content is some delta blob's base, first ones first, within the bound, with their old sizes. */
export function basesToKeep(manifest: Manifest): Map<string, number> {
  const bases = new Set<string>();
  // Bases read from the file (zstd-windows: window by window in staging) are never held.
  for (const b of manifest.blobs) if (b.base !== undefined && baseKindOf(codecOf(b)) === 'memory') bases.add(b.base);
  const keep = new Map<string, number>();
  let bytes = 0;
  for (const e of manifest.entries) {
    const old = e.old;
    if (old?.type !== 'file' || !bases.has(old.sha256) || bytes + old.size > HELD_BASES_MAX_BYTES) continue;
    bases.delete(old.sha256); // one copy of each base is enough
    keep.set(e.path, old.size);
    bytes += old.size;
  }
  return keep;
}

/** The kept contents of an inventory, by path. */
export function heldBases(inventory: Inventory): Map<string, FileSnapshot> {
  const held = new Map<string, FileSnapshot>();
  for (const [path, actual] of inventory) if (actual.content !== undefined) held.set(path, actual.content);
  return held;
}
