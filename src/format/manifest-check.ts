// Cross-entry rules of a shape-checked manifest: sorted unique safe paths, no case/normalisation
// collisions within one tree, parents that are directories, change entries that change something, and blobs that
// are contiguous, deduplicated, used, and agree with the entries that reference them.
import type { Manifest, ManifestEntry, TreeNode } from './manifest.js';
import { oldNodeOf, sameNode } from './manifest.js';
import { packInvalid, packUnsafePath as unsafe } from './pack-errors.js';
import { MAX_WINDOW_LOG } from './zstd.js';
import { codecOf } from './codecs/codecs.js';
import { checkEntryPath, comparePaths, foldPath, parentPath } from './paths.js';

/**
 * zstd cannot expand more than 32768:1 (its smallest block, 4 bytes, stands for at most 128 KiB), so a
 * blob declaring more content than that from its stored bytes is a decompression bomb or damage.
 */
export const MAX_DECOMPRESSION_RATIO = 32768;

/** Throws PACK_UNSAFE_PATH or PACK_INVALID naming the first entry or blob that breaks a rule. */
export function checkManifest(m: Manifest, packPath: string): void {
  checkPaths(m.entries, packPath);
  checkBlobs(m, packPath);
}

function checkPaths(entries: ManifestEntry[], packPath: string): void {
  const byPath = new Map<string, ManifestEntry>();
  const folded = { old: new Map<string, string>(), new: new Map<string, string>() };
  let previous: string | undefined;
  for (const entry of entries) {
    const { path } = entry;
    checkEntryPath(path);
    if (previous !== undefined) {
      const order = comparePaths(previous, path);
      if (order === 0) throw unsafe(path, 'the path appears twice');
      if (order > 0) throw packInvalid(packPath, `entry ${JSON.stringify(path)}: entries are not sorted by path (it follows ${JSON.stringify(previous)})`);
    }
    previous = path;
    const other = foldedCollision(folded, entry);
    if (other !== undefined) throw unsafe(path, `the path collides with ${JSON.stringify(other)} after Unicode normalisation and case folding`);
    if (entry.action === 'change' && entry.old !== undefined && entry.new !== undefined && sameNode(entry.old, entry.new)) {
      throw packInvalid(packPath, `entry ${JSON.stringify(path)}: a change entry whose old and new nodes are equal`);
    }
    checkParent(entry, byPath);
    checkHardlinks(entry, byPath, packPath);
    byPath.set(path, entry);
  }
}

/**
 * A path of the same tree (old or new) that `entry`'s path collides with after folding, recording it.
 * Paths of different trees may: a case-only rename (README -> readme) removes one and adds the other.
 */
export function foldedCollision(folded: { old: Map<string, string>; new: Map<string, string> }, entry: ManifestEntry): string | undefined {
  const key = foldPath(entry.path);
  const sides = [...(oldNodeOf(entry) === undefined ? [] : [folded.old]), ...(entry.new === undefined ? [] : [folded.new])];
  for (const side of sides) {
    const other = side.get(key);
    if (other !== undefined) return other;
  }
  for (const side of sides) side.set(key, entry.path);
  return undefined;
}

function checkParent(entry: ManifestEntry, byPath: Map<string, ManifestEntry>): void {
  const parent = parentPath(entry.path);
  if (parent === '') return;
  const p = byPath.get(parent);
  if (p === undefined) throw unsafe(entry.path, `its parent ${JSON.stringify(parent)} is not an entry`);
  if (oldNodeOf(entry) !== undefined && oldNodeOf(p)?.type !== 'dir') {
    throw unsafe(entry.path, `its parent ${JSON.stringify(parent)} is not a directory in the old tree`);
  }
  if (entry.new !== undefined && p.new?.type !== 'dir') {
    throw unsafe(entry.path, `its parent ${JSON.stringify(parent)} is not a directory in the new tree`);
  }
}

/**
 * A file naming a `hardlink` shares the inode of an earlier entry's file in the same tree (old or new):
 * that file is the group's first name (it names no `hardlink` itself) and has the same content and mode.
 */
function checkHardlinks(entry: ManifestEntry, byPath: Map<string, ManifestEntry>, packPath: string): void {
  const sides: [TreeNode | undefined, (e: ManifestEntry) => TreeNode | undefined, string][] = [
    [oldNodeOf(entry), oldNodeOf, 'old'],
    [entry.new, (e) => e.new, 'new'],
  ];
  for (const [node, sideOf, side] of sides) {
    if (node?.type !== 'file' || node.hardlink === undefined) continue;
    const leaderEntry = byPath.get(node.hardlink);
    const leader = leaderEntry === undefined ? undefined : sideOf(leaderEntry);
    if (leader?.type !== 'file' || leader.hardlink !== undefined || leader.sha256 !== node.sha256 || leader.size !== node.size || leader.mode !== node.mode) {
      throw packInvalid(packPath, `entry ${JSON.stringify(entry.path)}: its ${side} node is a hard link to ${JSON.stringify(node.hardlink)}, which is not an earlier file of the ${side} tree with the same content and mode naming no hard link itself`);
    }
  }
}

/** Errors name the entry a blob belongs to, not its index. */
function entryName(m: Manifest, blobIndex: number): string {
  const e = m.entries.find((x) => x.blob === blobIndex);
  return e === undefined ? `blob #${blobIndex}` : `entry ${JSON.stringify(e.path)}`;
}

function checkBlobs(m: Manifest, packPath: string): void {
  let offset = 0;
  const contents = new Set<string>();
  for (const [i, blob] of m.blobs.entries()) {
    if (blob.offset !== offset) throw packInvalid(packPath, `blob #${i}: offset ${blob.offset} is not where blob #${i - 1} ends (${offset})`);
    if (blob.storedSize === 0) throw packInvalid(packPath, `blob #${i}: "storedSize" is 0`);
    const codec = codecOf(blob);
    if (codec.minStoredSize !== undefined) {
      // zstd-windows: a record copying a window of the old file costs its header only, so the bound is
      // one header per window, not a decompression ratio.
      const least = codec.minStoredSize(blob.size);
      if (blob.storedSize < least) {
        throw packInvalid(packPath, `${entryName(m, i)}: ${blob.size} bytes need at least ${least} stored bytes as ${codec.name} records, not ${blob.storedSize}`);
      }
    } else if (blob.size > blob.storedSize * MAX_DECOMPRESSION_RATIO) {
      throw packInvalid(packPath, `${entryName(m, i)}: ${blob.size} bytes claimed from ${blob.storedSize} stored bytes exceeds the ${MAX_DECOMPRESSION_RATIO}:1 decompression bound`);
    }
    offset += blob.storedSize;
    if (!Number.isSafeInteger(offset)) throw packInvalid(packPath, `blob #${i}: the payload is longer than 2^53 - 1 bytes`);
    if (contents.has(blob.sha256)) throw packInvalid(packPath, `blob #${i}: its content is already stored in an earlier blob`);
    contents.add(blob.sha256);
  }
  const used = new Set<number>();
  for (const entry of m.entries) {
    if (entry.blob === undefined) continue;
    const blob = m.blobs[entry.blob];
    const where = `entry ${JSON.stringify(entry.path)}`;
    if (blob === undefined) throw packInvalid(packPath, `${where}: blob ${entry.blob} does not exist (there are ${m.blobs.length})`);
    const node = entry.new;
    if (node?.type !== 'file' || node.sha256 !== blob.sha256 || node.size !== blob.size) {
      throw packInvalid(packPath, `${where}: blob ${entry.blob} does not hold the entry's new content (sha256 or size differ)`);
    }
    used.add(entry.blob);
  }
  for (let i = 0; i < m.blobs.length; i++) {
    if (!used.has(i)) throw packInvalid(packPath, `blob #${i} is not used by any entry`);
  }
  checkBases(m, packPath);
}

/** A delta blob (zstd-patch, zstd-windows, exediff) must name as `base` the old content of a change entry that uses it: that file is where an installer finds the base. */
function checkBases(m: Manifest, packPath: string): void {
  const provided = new Set<string>();
  const baseSize = new Map<string, number>();
  for (const e of m.entries) {
    if (e.blob !== undefined && e.action === 'change' && e.old?.type === 'file') {
      provided.add(`${e.blob}:${e.old.sha256}`);
      baseSize.set(e.old.sha256, e.old.size);
    }
  }
  for (const [i, blob] of m.blobs.entries()) {
    if (blob.base !== undefined && !provided.has(`${i}:${blob.base}`)) {
      throw packInvalid(packPath, `blob #${i}: its base ${blob.base} is not the old content of any change entry that uses it`);
    }
    // Checked here, before anything is read: decoding needs the base and the content in one zstd window.
    const span = (baseSize.get(blob.base ?? '') ?? 0) + blob.size;
    if (blob.encoding === 'zstd-patch' && span > 2 ** MAX_WINDOW_LOG) {
      throw packInvalid(packPath, `${entryName(m, i)}: a zstd-patch blob spans base and content of ${span} bytes, more than the 2^${MAX_WINDOW_LOG} a zstd window holds`);
    }
  }
}
