// Builds the planner's Inventory: the actual node at each path an install must inspect.
import type { LaterSnapshot } from './file-snapshot.js';
import type { BackgroundHasher } from '../platform/index.js';
import type { ActualNode, Inventory } from './inventory.js';
import { listDir, readNodeKeeping, readNodeStamped } from './read-node.js';

export interface ScanOptions {
  /** Paths whose file content is kept in the inventory (read once, for the hash and for later use), with their expected sizes. */
  keepContent?: ReadonlyMap<string, number>;
  /**
   * Where kept files are hashed while the next is read (the platform's backgroundHasher); the caller
   * closes it. The kept files are then read first, largest first, and the other paths after them, so
   * that the hashing thread has caught up when the scan ends.
   */
  hasher?: BackgroundHasher | null;
}

export function scanInventory(target: string, paths: { path: string; listChildren: boolean }[], opts: ScanOptions = {}): Inventory {
  const { keepContent, hasher } = opts;
  const found = new Map<string, ActualNode>();
  const laters: LaterSnapshot[] = [];
  const scan = ({ path, listChildren }: { path: string; listChildren: boolean }): void => {
    const { later, ...read } = keepContent?.has(path) === true ? readNodeKeeping(target, path, hasher ?? undefined) : { ...readNodeStamped(target, path), later: undefined };
    if (later !== undefined) laters.push(later);
    found.set(path, listChildren && read.node?.type === 'dir' ? { ...read, children: listDir(target, path) } : read);
  };
  if (hasher === undefined || hasher === null || keepContent === undefined) paths.forEach(scan);
  else {
    const kept = paths.filter((p) => keepContent.has(p.path)).sort((a, b) => keepContent.get(b.path)! - keepContent.get(a.path)!);
    kept.forEach(scan);
    paths.filter((p) => !keepContent.has(p.path)).forEach(scan);
  }
  // The hasher works from the largest file down; this thread, done reading, hashes from the smallest up
  // the files it has not begun; then every hash is in.
  for (let i = laters.length - 1; i >= 0 && laters[i]!.takeBack(); i--);
  for (const later of laters) later.settle();
  // In the order of `paths`, whatever the order of reading.
  return new Map(paths.map((p) => [p.path, found.get(p.path)!]));
}
