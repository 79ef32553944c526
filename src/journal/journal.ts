// The transaction journal (.servicepack/journal.json): the complete list of steps of one transaction,
// written atomically before the first destructive step. docs/journal.md is the specification.
import * as fs from 'node:fs';
import { ServicePackError, hasErrno } from '../errors/index.js';
import { writeFileAtomic, type Durability } from '../fs/durable.js';

/**
 * One step. Paths: `path` is relative to the target; `incoming` and `aside` are relative to
 * `.servicepack/`.
 * - swap: replace, add or remove a file or symlink. `aside` is where the old node is preserved (absent
 *   when there is no old node); `incoming` is the new node waiting to be renamed in (absent for removal).
 * - mkdir / rmdir: create or remove a directory.
 */
export type Step =
  | { op: 'swap'; path: string; incoming?: string; aside?: string }
  | { op: 'mkdir'; path: string }
  | { op: 'rmdir'; path: string };

export interface Journal {
  journalVersion: 1;
  txid: string;
  kind: 'install' | 'uninstall';
  steps: Step[];
  /** Directories under `.servicepack/` to remove once the transaction committed. */
  afterCommit: string[];
  /** Directories under `.servicepack/` to remove once the transaction was rolled back. */
  afterRollback: string[];
}

export function writeJournal(file: string, journal: Journal, platform: Durability): void {
  writeFileAtomic(file, `${JSON.stringify(journal)}\n`, platform);
}

export function readJournal(file: string): Journal | null {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if (hasErrno(err, 'ENOENT')) return null;
    throw err;
  }
  try {
    const j = JSON.parse(text) as Partial<Journal>;
    if (j.journalVersion !== 1 || typeof j.txid !== 'string' || !Array.isArray(j.steps) ||
        (j.kind !== 'install' && j.kind !== 'uninstall') || !Array.isArray(j.afterCommit) || !Array.isArray(j.afterRollback)) {
      throw new Error('missing or mistyped fields');
    }
    return j as Journal;
  } catch (err) {
    throw new ServicePackError('JOURNAL_CORRUPT', `journal ${file} is unreadable`, {
      hint: 'The journal is written atomically, so this means outside damage. Compare the target with `servicepack verify` and restore it from a backup.',
      details: { path: file, reason: (err as Error).message },
      cause: err,
    });
  }
}
