// The Inventory type: what the target actually holds at the paths a plan depends on.
import type { TreeNode } from '../format/manifest.js';

/** What the target holds at one path; `children` is listed for directories that a plan removes. */
export interface ActualNode {
  node: TreeNode | null;
  children?: string[];
}

export type Inventory = ReadonlyMap<string, ActualNode>;
