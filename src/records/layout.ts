// Where servicepack keeps its own files inside a target: one `.servicepack/` directory on the target's
// file system, so that every set-aside and commit is a rename within one file system.
import * as path from 'node:path';
import { STATE_DIR_NAME } from '../format/paths.js';

export { STATE_DIR_NAME };

export interface Layout {
  target: string;
  dir: string;
  lock: string;
  state: string;
  journal: string;
  staging: string;
  backup: string;
  /** Present while an install is on trial (docs/health.md). */
  trial: string;
}

export function layoutOf(target: string): Layout {
  const dir = path.join(target, STATE_DIR_NAME);
  return {
    target,
    dir,
    lock: path.join(dir, 'lock'),
    state: path.join(dir, 'state.json'),
    journal: path.join(dir, 'journal.json'),
    staging: path.join(dir, 'staging'),
    backup: path.join(dir, 'backup'),
    trial: path.join(dir, TRIAL_FILE),
  };
}

/** The trial record's name in `.servicepack/`; an install's journal lists it in afterRollback. */
export const TRIAL_FILE = 'trial.json';

/** Relative (to `.servicepack/`) locations of one transaction's files. */
export const stagingDirOf = (txid: string): string => `staging/${txid}`;
export const backupDirOf = (txid: string): string => `backup/${txid}`;
export const backupFilesOf = (txid: string): string => `backup/${txid}/files`;
export const backupManifestOf = (txid: string): string => `backup/${txid}/manifest.json`;
