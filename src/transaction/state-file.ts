// The installed state of a target (.servicepack/state.json): product, version, service pack history
// and the whole installed tree. Written only atomically; its `lastTransaction` marks the commit point.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ServicePackError, hasErrno } from '../errors/index.js';
import { checkBeneath } from '../fs/beneath.js';
import { writeFileAtomic } from '../fs/durable.js';
import { ioFailed } from '../fs/io-error.js';
import { newerRecord } from '../journal/journal.js';
import type { TreeNode } from '../format/manifest.js';
import type { Layout } from './layout.js';

export interface HistoryEntry {
  txid: string;
  packId: string;
  fromVersion: string;
  toVersion: string;
  installedAt: string;
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
  return s as InstalledState;
}

export function writeState(layout: Layout, state: InstalledState): void {
  writeFileAtomic(layout.state, stateText(state));
}

/** The bytes of state.json for `state` (also what the space check measures). */
export function stateText(state: InstalledState): string {
  const files: Record<string, TreeNode> = {};
  for (const key of Object.keys(state.files).sort()) files[key] = state.files[key]!;
  return `${JSON.stringify({ ...state, files }, null, 1)}\n`;
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
