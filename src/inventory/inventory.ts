// The Inventory type: what the target actually holds at the paths a plan depends on.
import type { TreeNode } from '../format/manifest.js';
import type { FileSnapshot, FileStamp } from './file-snapshot.js';
import type { Owner } from './read-node.js';

/**
 * What the target holds at one path; `children` is listed for directories that a plan removes, and
 * `content` kept for the files the scan was asked to keep. `stamp` is a regular file's identity as it
 * was hashed, so the transaction can tell whether the file changed before it sets it aside.
 */
export interface ActualNode {
  node: TreeNode | null;
  /** Who owns the file or directory there. */
  owner?: Owner;
  children?: string[];
  content?: FileSnapshot;
  stamp?: FileStamp;
}

export type Inventory = ReadonlyMap<string, ActualNode>;
