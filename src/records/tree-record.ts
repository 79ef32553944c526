// The record of the whole installed tree (docs/journal.md, "The tree record"): what `verify` compares
// the target with. It is a listing of the tree written once, `.servicepack/tree/<txid>.json` (by the
// first install into a target, from what that install found there), plus the `treeChanges` of each
// installed pack's backup record, applied in order. An install adds its own changes, in O(change);
// uninstall drops them by putting back the state before it, which names a shorter chain.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ServicePackError, hasErrno } from '../errors/index.js';
import { makeDirs, writeFileAtomic, type Durability } from '../fs/durable.js';
import type { TreeNode } from '../format/manifest.js';
import type { Owner } from '../inventory/read-node.js';
import { statePathsProblem } from '../journal/record-paths.js';
import { readBackupRecord } from './backup-record.js';
import type { Layout } from './layout.js';
import { unreadable, type InstalledState } from './state-file.js';

/** The whole tree as servicepack vouches for it: each path's expected node, and the owners it kept. */
export interface InstalledTree {
  files: Map<string, TreeNode>;
  owners: Map<string, Owner>;
}

interface Listing {
  listingVersion: 1;
  txid: string;
  files: Record<string, TreeNode>;
  owners: Record<string, Owner>;
}

/** Relative to `.servicepack/`, as journals name it. */
export const listingOf = (txid: string): string => `tree/${txid}.json`;

/** Writes the listing of `tree` for transaction `txid` (before its journal: the journal's afterRollback removes it). */
export function writeListing(layout: Layout, txid: string, tree: InstalledTree, platform: Durability): void {
  makeDirs(path.join(layout.dir, 'tree'));
  writeFileAtomic(path.join(layout.dir, listingOf(txid)), listingText(txid, tree), platform);
}

/** The bytes writeListing writes (also what the space check measures). */
export function listingText(txid: string, tree: InstalledTree): string {
  const sorted = <T>(m: Map<string, T>): Record<string, T> => Object.fromEntries([...m.keys()].sort().map((k) => [k, m.get(k)!]));
  const listing: Listing = { listingVersion: 1, txid, files: sorted(tree.files), owners: sorted(tree.owners) };
  return `${JSON.stringify(listing)}\n`;
}

function readListing(layout: Layout, txid: string): InstalledTree {
  const file = path.join(layout.dir, listingOf(txid));
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if (hasErrno(err, 'ENOENT')) throw damaged(layout, file, 'it is missing');
    throw unreadable(layout, file, err);
  }
  let l: Partial<Listing>;
  try {
    l = JSON.parse(text) as Partial<Listing>;
  } catch (err) {
    throw damaged(layout, file, 'it is not valid JSON', err);
  }
  if (l.listingVersion !== 1 || l.txid !== txid || typeof l.files !== 'object' || l.files === null || typeof l.owners !== 'object' || l.owners === null) {
    throw damaged(layout, file, 'missing or mistyped fields');
  }
  const problem = statePathsProblem(l.files, [], l.owners);
  if (problem !== undefined) throw damaged(layout, file, problem);
  return { files: new Map(Object.entries(l.files)), owners: new Map(Object.entries(l.owners)) };
}

/** The record of the whole tree `state` vouches for (reads the listing and every installed pack's changes). */
export function installedTree(layout: Layout, state: InstalledState): InstalledTree {
  if (state.record === undefined) {
    return { files: new Map(Object.entries(state.files ?? {})), owners: new Map(Object.entries(state.owners ?? {})) };
  }
  const tree = readListing(layout, state.record.listing);
  for (const txid of state.record.changes) {
    const r = readBackupRecord(layout, txid);
    applyChanges(tree, r.treeChanges ?? {}, r.ownerChanges ?? {});
  }
  return tree;
}

/** Applies one install's changes to the record, in place: a null node or owner removes the path's. */
export function applyChanges(tree: InstalledTree, files: Record<string, TreeNode | null>, owners: Record<string, Owner | null>): void {
  for (const [p, node] of Object.entries(files)) {
    if (node === null) tree.files.delete(p);
    else tree.files.set(p, node);
  }
  for (const [p, owner] of Object.entries(owners)) {
    if (owner === null) tree.owners.delete(p);
    else tree.owners.set(p, owner);
  }
}

function damaged(layout: Layout, file: string, reason: string, cause?: unknown): ServicePackError<'JOURNAL_CORRUPT'> {
  return new ServicePackError('JOURNAL_CORRUPT', `the record of the installed tree ${file} is unreadable: ${reason}`, {
    hint: 'Restore .servicepack/ from a backup of the target, or reinstall the product.',
    details: { path: file, reason },
    ...(cause === undefined ? {} : { cause }),
  });
}
