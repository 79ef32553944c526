// Builds the planner's Inventory: the actual node at each path an install must inspect.
import type { ActualNode, Inventory } from './inventory.js';
import { listDir, readNode } from './read-node.js';

export function scanInventory(target: string, paths: { path: string; listChildren: boolean }[]): Inventory {
  const inv = new Map<string, ActualNode>();
  for (const { path, listChildren } of paths) {
    const node = readNode(target, path);
    inv.set(path, listChildren && node?.type === 'dir' ? { node, children: listDir(target, path) } : { node });
  }
  return inv;
}
