// The installed state of a target (.servicepack/state.json): product, version, service pack history
// and where the record of the whole installed tree lives (tree-record.ts). Written only atomically; its
// `lastTransaction` marks the commit point. Its size does not grow with the tree: the tree's record is a
// listing written once and the changes each installed pack made (docs/journal.md, "The tree record").
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ServicePackError, hasErrno } from '../errors/index.js';
import { checkBeneath } from '../fs/beneath.js';
import { writeFileAtomic, type Durability } from '../fs/durable.js';
import { ioFailed } from '../fs/io-error.js';
import { newerRecord } from '../journal/journal.js';
import { statePathsProblem, txidProblem } from '../journal/record-paths.js';
import { VERSION_1_DIR_MODE, VERSION_1_FILE_MODE, type TreeNode } from '../format/manifest.js';
import type { Owner } from '../inventory/read-node.js';
import type { TreeCommitment } from '../format/tree-commitment.js';
import type { Layout } from './layout.js';

export interface HistoryEntry {
  txid: string;
  packId: string;
  fromVersion: string;
  toVersion: string;
  installedAt: string;
  /** Its uninstall backup was given up (install --keep, cleanup --prune): it can no longer be uninstalled. */
  pruned?: true;
}

/** Where the record of the whole installed tree lives (stateVersion 2). */
export interface TreeRecordRef {
  /** The transaction that wrote the listing `tree/<txid>.json`: the tree before its changes. */
  listing: string;
  /** The installs whose backup records' `treeChanges` apply to the listing, oldest first. */
  changes: string[];
}

export interface InstalledState {
  /** 1: the whole tree inline in `files` (written before the tree record existed); 2: in `record`. */
  stateVersion: 1 | 2;
  product: string;
  version: string;
  /** The transaction whose commit wrote this state. */
  lastTransaction: string;
  /** Installed service packs, oldest first; the last one is what `uninstall` removes. */
  history: HistoryEntry[];
  /** stateVersion 1: every path servicepack installed or vouched for, sorted, with its expected node. */
  files?: Record<string, TreeNode>;
  /** stateVersion 1: the owner of each file an install replaced and gave the replaced file's owner; `verify` checks it. */
  owners?: Record<string, Owner>;
  /** stateVersion 2: the record of the whole tree. */
  record?: TreeRecordRef;
  /**
   * stateVersion 2: the commitment of the installed version's tree (docs/format.md, "Tree commitments"),
   * when known: the last format-3 pack's `resultTree`, or its `baseTree` when it is uninstalled.
   */
  tree?: TreeCommitment;
}

export function readState(layout: Layout): InstalledState | null {
  let text: string;
  try {
    text = fs.readFileSync(layout.state, 'utf8');
  } catch (err) {
    if (hasErrno(err, 'ENOENT')) return null;
    throw unreadable(layout, layout.state, err);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw corrupt(layout, 'not valid JSON', err);
  }
  const s = (value ?? {}) as Partial<InstalledState>;
  if (typeof s.stateVersion === 'number' && s.stateVersion > STATE_VERSION) throw newerRecord(layout.state, 'state', s.stateVersion, STATE_VERSION);
  if ((s.stateVersion !== 1 && s.stateVersion !== 2) || typeof s.product !== 'string' || typeof s.version !== 'string' ||
      typeof s.lastTransaction !== 'string' || !Array.isArray(s.history)) {
    throw corrupt(layout, 'missing or mistyped fields');
  }
  const problem = txidProblem('lastTransaction', s.lastTransaction) ?? stateShapeProblem(s);
  if (problem !== undefined) throw corrupt(layout, problem);
  if (s.files !== undefined) for (const node of Object.values(s.files)) withMode(node as TreeNode);
  return s as InstalledState;
}

/** The state version this code writes. */
export const STATE_VERSION = 2;

/**
 * The rest of a state's shape (also of the state a backup record keeps): version 1 holds `files`,
 * version 2 `record` (and maybe `tree`); paths and transaction ids checked as records' are.
 */
export function stateShapeProblem(s: Partial<InstalledState>): string | undefined {
  if (!Array.isArray(s.history)) return 'history is missing or mistyped';
  const owners = typeof s.owners === 'object' && s.owners !== null ? s.owners : {};
  if (s.stateVersion === 1) {
    if (typeof s.files !== 'object' || s.files === null) return 'files is missing or mistyped';
    return statePathsProblem(s.files, s.history, owners);
  }
  if (s.stateVersion !== 2) return `stateVersion ${String(s.stateVersion)} is not 1 or 2`;
  if (s.files !== undefined || s.owners !== undefined) return 'a version 2 state holds files or owners';
  const r = s.record as Partial<TreeRecordRef> | undefined;
  if (typeof r !== 'object' || r === null || !Array.isArray(r.changes)) return 'record is missing or mistyped';
  const t = s.tree as Partial<TreeCommitment> | undefined;
  if (t !== undefined && (typeof t !== 'object' || t === null || !Number.isSafeInteger(t.nodes) || typeof t.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(t.sha256))) return 'tree is mistyped';
  const problem = txidProblem('record.listing', r.listing);
  if (problem !== undefined) return problem;
  for (const [n, txid] of r.changes.entries()) {
    const p = txidProblem(`record.changes[${n}]`, txid);
    if (p !== undefined) return p;
  }
  return statePathsProblem({}, s.history);
}

/**
 * A state written before modes were recorded names only the owner-exec bit of files: those installs set
 * exactly the version-1 modes, so that is what the node reads as.
 */
function withMode(node: TreeNode): void {
  const legacy = node as TreeNode & { executable?: boolean; mode?: number };
  if (legacy.type === 'file' && legacy.mode === undefined) {
    legacy.mode = VERSION_1_FILE_MODE(legacy.executable === true);
    delete legacy.executable;
  }
  if (legacy.type === 'dir' && legacy.mode === undefined) legacy.mode = VERSION_1_DIR_MODE;
}

export function writeState(layout: Layout, state: InstalledState, platform: Durability): void {
  writeFileAtomic(layout.state, stateText(state), platform);
}

/** The bytes of state.json for `state` (also what the space check measures). */
export function stateText(state: InstalledState): string {
  if (state.files === undefined) return `${JSON.stringify(state, null, 1)}\n`;
  const files: Record<string, TreeNode> = {};
  for (const key of Object.keys(state.files).sort()) files[key] = state.files[key]!;
  const owners = state.owners === undefined ? {} : { owners: Object.fromEntries(Object.keys(state.owners).sort().map((k) => [k, state.owners![k]!])) };
  return `${JSON.stringify({ ...state, files, ...owners }, null, 1)}\n`;
}

/**
 * A record under `.servicepack/` that cannot be read: TARGET_UNSAFE when `.servicepack` (or what leads to
 * `file`) is not a directory, IO_FAILED naming the file and errno otherwise.
 */
export function unreadable(layout: Layout, file: string, err: unknown): ServicePackError {
  if (hasErrno(err, 'ENOTDIR')) checkBeneath(layout.target, path.relative(layout.target, file).split(path.sep).join('/'));
  return ioFailed(err, 'read', file);
}

function corrupt(layout: Layout, reason: string, cause?: unknown): ServicePackError {
  return new ServicePackError('JOURNAL_CORRUPT', `installed state ${layout.state} is unreadable: ${reason}`, {
    hint: 'Restore .servicepack/state.json from a backup of the target, or reinstall the product.',
    details: { path: layout.state, reason },
    cause,
  });
}
