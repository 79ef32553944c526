// Builds the planner's Inventory: the actual node at each path an install must inspect.
import type { ActualNode, Inventory } from './inventory.js';
import { listDir, readNodeKeeping, readNodeStamped } from './read-node.js';

export interface ScanOptions {
  /** Paths whose file content is kept in the inventory (read once, for the hash and for later use). */
  keepContent?: ReadonlySet<string>;
}

export function scanInventory(target: string, paths: { path: string; listChildren: boolean }[], opts: ScanOptions = {}): Inventory {
  const inv = new Map<string, ActualNode>();
  for (const { path, listChildren } of paths) {
    const read = opts.keepContent?.has(path) === true ? readNodeKeeping(target, path) : readNodeStamped(target, path);
    inv.set(path, listChildren && read.node?.type === 'dir' ? { ...read, children: listDir(target, path) } : read);
  }
  return inv;
}
