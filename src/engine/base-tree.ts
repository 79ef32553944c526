// The check that a target really is the base version of a pack as a whole, not only at the paths the
// pack touches (docs/format.md, "Tree commitments"). A managed target's state names its tree's
// commitment: one comparison. An unmanaged one is walked and hashed once, compared with the pack's
// `baseTree`, and, when they differ, the pack's sketch names the nodes that differ: files the base does
// not have are allowed (they stay, and `verify` names them as unexpected); a base node that is missing
// or different is a mismatch. What the walk found becomes the record of the tree (tree-record.ts).
import * as fs from 'node:fs';
import type { Mismatch } from '../errors/index.js';
import type { Manifest, TreeNode } from '../format/manifest.js';
import { commitTree, sameTree, type TreeCommitment } from '../format/tree-commitment.js';
import { CELL_BYTES, SKETCH_PARTS, differences, emptySketch, nodeKey, pathPartOf, toggleKey } from '../format/tree-sketch.js';
import { sameStamp, stampOf } from '../inventory/file-snapshot.js';
import type { Inventory } from '../inventory/inventory.js';
import { walkTree } from '../inventory/walk-tree.js';
import { describeNode } from '../planner/transition.js';
import { STATE_DIR_NAME, type Layout } from '../records/layout.js';
import type { InstalledState } from '../records/state-file.js';
import { installedTree, type InstalledTree } from '../records/tree-record.js';

export interface BaseTreeCheck {
  /** The record of the tree before the install, when the target has none yet (the install writes it). */
  listing?: InstalledTree;
  mismatches: Mismatch[];
}

/**
 * `inventory`: what the preflight just read at the paths the pack touches; a file there that still has
 * the same stamp is not hashed a second time by the walk of an unmanaged target.
 */
export function checkBaseTree(layout: Layout, manifest: Manifest, state: InstalledState | null, inventory?: Inventory): BaseTreeCheck {
  const base = manifest.baseTree;
  if (state === null) {
    if (base === undefined) return { listing: listingFromManifest(manifest), mismatches: [] };
    return compareWalked(layout, manifest, base, inventory);
  }
  const record = state.record === undefined ? installedTree(layout, state) : undefined;
  if (base === undefined) return record === undefined ? { mismatches: [] } : { listing: record, mismatches: [] };
  const have = state.tree ?? commitTree((record ?? installedTree(layout, state)).files);
  const mismatches = sameTree(have, base) ? [] : [treeMismatch(manifest, base, `tree ${have.sha256} (${have.nodes} nodes), as servicepack recorded it`)];
  return record === undefined ? { mismatches } : { listing: record, mismatches };
}

/** The inventory's hash of a regular file whose stamp (device, inode, size, modification and change time) is still the one it was hashed with. */
function knownHashIn(inventory: Inventory): (rel: string, abs: string) => string | undefined {
  return (rel, abs) => {
    const read = inventory.get(rel);
    if (read?.node?.type !== 'file' || read.stamp === undefined) return undefined;
    let st: fs.BigIntStats;
    try {
      st = fs.lstatSync(abs, { bigint: true });
    } catch {
      return undefined; // gone or unreadable since the walk's lstat: the walk's own read reports it
    }
    return sameStamp(stampOf(st), read.stamp) ? read.node.sha256 : undefined;
  };
}

/** Before format 3 a pack listed the whole base tree: that is the record of an unmanaged target. */
function listingFromManifest(manifest: Manifest): InstalledTree {
  const files = new Map<string, TreeNode>();
  for (const e of manifest.entries) {
    const old = e.action === 'keep' ? e.new : e.old;
    if (old !== undefined) files.set(e.path, old);
  }
  return { files, owners: new Map() };
}

function compareWalked(layout: Layout, manifest: Manifest, base: TreeCommitment, inventory?: Inventory): BaseTreeCheck {
  const found = walkTree(layout.target, { exclude: [STATE_DIR_NAME], skipSpecial: true, ...(inventory === undefined ? {} : { knownHash: knownHashIn(inventory) }) });
  const files = new Map<string, TreeNode>();
  for (const [p, node] of found) files.set(p, recorded(node));
  const listing: InstalledTree = { files, owners: new Map() };
  const have = commitTree(files);
  if (sameTree(have, base)) return { listing, mismatches: [] };

  const theirs = Buffer.from(base.sketch ?? '', 'base64');
  const mine = emptySketch(theirs.length / CELL_BYTES / SKETCH_PARTS);
  const pathOfKey = new Map<string, string>();
  for (const [p, node] of files) {
    const key = nodeKey(p, node);
    toggleKey(mine, key, 1);
    pathOfKey.set(key.toString('hex'), p);
  }
  const diff = mine.length === 0 ? null : differences(theirs, mine);
  const unnamed = (): Mismatch => treeMismatch(manifest, base, `${have.nodes} nodes, which differ from it in more places than the pack can name`);
  if (diff === null) return { mismatches: [unnamed()] };
  // A key names its path by hash: a base node and a found node of one path are a changed path.
  const foundByPath = new Map<string, string>();
  for (const key of diff.onlyB) foundByPath.set(pathPartOf(key), pathOfKey.get(key.toString('hex'))!);
  const mismatches: Mismatch[] = [];
  let missing = 0;
  for (const key of diff.onlyA) {
    const p = foundByPath.get(pathPartOf(key));
    if (p === undefined) {
      missing++;
      continue;
    }
    foundByPath.delete(pathPartOf(key));
    mismatches.push({ path: p, expected: `as in version ${manifest.fromVersion}`, actual: describeNode(files.get(p)) });
  }
  if (missing > 0) mismatches.push(treeMismatch(manifest, base, `${missing} of its paths missing`));
  if (mismatches.length > 0) return { mismatches: mismatches.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)) };
  // Only files the base does not have: they stay, unknown to the record.
  for (const p of foundByPath.values()) files.delete(p);
  if (!sameTree(commitTree(files), base)) return { mismatches: [unnamed()] };
  return { listing, mismatches: [] };
}

/** A node as the record keeps it: holes and hard links are not checked by verify. */
function recorded(node: TreeNode): TreeNode {
  return node.type === 'file' ? { type: 'file', sha256: node.sha256, size: node.size, mode: node.mode } : node;
}

function treeMismatch(manifest: Manifest, base: TreeCommitment, actual: string): Mismatch {
  return { path: '.', expected: `the tree of version ${manifest.fromVersion}: ${base.sha256} (${base.nodes} nodes)`, actual };
}

