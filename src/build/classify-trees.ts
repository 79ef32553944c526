// Pure: the manifest entries (without blob indices) that turn the old tree into the new one, sorted by path.
import type { ManifestEntry, TreeNode } from '../format/manifest.js';
import { sameNode } from '../format/manifest.js';
import { comparePaths } from '../format/paths.js';

/** One entry per path of the union: add, change (type, content, exec bit or link target differ), remove or keep. */
export function classifyTrees(oldTree: Map<string, TreeNode>, newTree: Map<string, TreeNode>): ManifestEntry[] {
  const paths = [...new Set([...oldTree.keys(), ...newTree.keys()])].sort(comparePaths);
  return paths.map((path): ManifestEntry => {
    const before = oldTree.get(path);
    const after = newTree.get(path);
    if (before === undefined) return { path, action: 'add', new: after as TreeNode };
    if (after === undefined) return { path, action: 'remove', old: before };
    return sameNode(before, after) ? { path, action: 'keep', new: after } : { path, action: 'change', old: before, new: after };
  });
}
