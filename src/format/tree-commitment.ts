// The compact commitment a format-3 pack makes to the whole base and result trees (docs/format.md,
// "Tree commitments"): one canonical line per node (path, type, content or link target; never modes,
// owners, hard links or holes, which the preflight does not compare), SHA-256 over the lines in path
// order, and the node count. An installer that knows a tree computes the same value without the pack
// listing it.
import { createHash } from 'node:crypto';
import type { TreeCommitment, TreeNode } from './manifest.js';
import { comparePaths } from './paths.js';

export type { TreeCommitment };

/** The canonical line of one node, without its newline: a JSON array as JSON.stringify writes it. */
export function nodeLine(path: string, node: TreeNode): string {
  switch (node.type) {
    case 'file': return JSON.stringify([path, 'file', node.sha256, node.size]);
    case 'symlink': return JSON.stringify([path, 'symlink', node.target]);
    case 'dir': return JSON.stringify([path, 'dir']);
  }
}

/** The commitment (without sketch) of a tree given as path -> node, in any order. */
export function commitTree(tree: ReadonlyMap<string, TreeNode> | Iterable<[string, TreeNode]>): TreeCommitment {
  const entries = [...tree].sort((a, b) => comparePaths(a[0], b[0]));
  const hash = createHash('sha256');
  for (const [path, node] of entries) hash.update(`${nodeLine(path, node)}\n`);
  return { nodes: entries.length, sha256: hash.digest('hex') };
}

/** True when two commitments name the same tree (the sketch is not part of a tree's identity). */
export function sameTree(a: TreeCommitment, b: TreeCommitment): boolean {
  return a.nodes === b.nodes && a.sha256 === b.sha256;
}
