// A transition: one path going from one node to another. Install and uninstall both reduce to a list of
// transitions; planSteps turns them into ordered journal steps.
import type { TreeNode } from '../format/manifest.js';

export interface Transition {
  path: string;
  /** What the target held (as the preflight found it, with its mode). */
  from: TreeNode | null;
  /** What it will hold, with the mode the install gives it (installed-mode.ts). */
  to: TreeNode | null;
  /** For a file replacing a file: the replaced file's owner, which the new file keeps. */
  owner?: { uid: number; gid: number };
}

/** How a node is named in messages and mismatch reports: a file by its sha256. */
export function describeNode(node: TreeNode | null | undefined): string {
  if (node === null || node === undefined) return 'absent';
  switch (node.type) {
    case 'file': return node.sha256;
    case 'symlink': return `symlink -> ${node.target}`;
    case 'dir': return 'directory';
  }
}

/** True when an actual node on disk is the expected one (files by content, links by target). */
export function nodeMatches(actual: TreeNode | null | undefined, expected: TreeNode | null | undefined): boolean {
  if (actual === null || actual === undefined || expected === null || expected === undefined) {
    return (actual ?? null) === (expected ?? null);
  }
  if (actual.type !== expected.type) return false;
  if (actual.type === 'file' && expected.type === 'file') return actual.sha256 === expected.sha256;
  if (actual.type === 'symlink' && expected.type === 'symlink') return actual.target === expected.target;
  return true;
}
