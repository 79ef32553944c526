// The installed state of a target (.servicepack/state.json): product, version, service pack history
// and the whole installed tree. Written only atomically; its `lastTransaction` marks the commit point.
import * as fs from 'node:fs';
import { ServicePackError, hasErrno } from '../errors/index.js';
import { writeFileAtomic, type Durability } from '../fs/durable.js';
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
    throw err;
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw corrupt(layout, 'not valid JSON', err);
  }
  const s = value as Partial<InstalledState>;
  if (s.stateVersion !== 1 || typeof s.product !== 'string' || typeof s.version !== 'string' ||
      typeof s.lastTransaction !== 'string' || !Array.isArray(s.history) || typeof s.files !== 'object' || s.files === null) {
    throw corrupt(layout, 'missing or mistyped fields');
  }
  return s as InstalledState;
}

export function writeState(layout: Layout, state: InstalledState, platform: Durability): void {
  const files: Record<string, TreeNode> = {};
  for (const key of Object.keys(state.files).sort()) files[key] = state.files[key]!;
  writeFileAtomic(layout.state, `${JSON.stringify({ ...state, files }, null, 1)}\n`, platform);
}

function corrupt(layout: Layout, reason: string, cause?: unknown): ServicePackError {
  return new ServicePackError('JOURNAL_CORRUPT', `installed state ${layout.state} is unreadable: ${reason}`, {
    hint: 'Restore .servicepack/state.json from a backup of the target, or reinstall the product.',
    details: { path: layout.state, reason },
    cause,
  });
}
