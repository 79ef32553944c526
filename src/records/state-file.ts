// The installed state of a target (.servicepack/state.json): product, version, service pack history
// and the whole installed tree. Written only atomically; its `lastTransaction` marks the commit point.
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

export interface InstalledState {
  stateVersion: 1;
  product: string;
  version: string;
  /** The transaction whose commit wrote this state. */
  lastTransaction: string;
  /** Installed service packs, oldest first; the last one is what `uninstall` removes. */
  history: HistoryEntry[];
  /** Every path servicepack installed or vouched for, sorted, with its expected node. */
  files: Record<string, TreeNode>;
  /** The owner of each file an install replaced and gave the replaced file's owner; `verify` checks it. */
  owners?: Record<string, Owner>;
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
  if (typeof s.stateVersion === 'number' && s.stateVersion > 1) throw newerRecord(layout.state, 'state', s.stateVersion, 1);
  if (s.stateVersion !== 1 || typeof s.product !== 'string' || typeof s.version !== 'string' ||
      typeof s.lastTransaction !== 'string' || !Array.isArray(s.history) || typeof s.files !== 'object' || s.files === null) {
    throw corrupt(layout, 'missing or mistyped fields');
  }
  const problem = txidProblem('lastTransaction', s.lastTransaction) ?? statePathsProblem(s.files, s.history, typeof s.owners === 'object' && s.owners !== null ? s.owners : {});
  if (problem !== undefined) throw corrupt(layout, problem);
  for (const node of Object.values(s.files)) withMode(node as TreeNode);
  return s as InstalledState;
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
