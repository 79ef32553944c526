// The transaction journal (.servicepack/journal.json): the complete list of steps of one transaction,
// written atomically before the first destructive step. docs/journal.md is the specification.
import * as fs from 'node:fs';
import { ServicePackError, hasErrno } from '../errors/index.js';
import { writeFileAtomic, type Durability } from '../fs/durable.js';
import { ioFailed } from '../fs/io-error.js';
import { journalPathsProblem } from './record-paths.js';

/**
 * One step. Paths: `path` is relative to the target; `incoming` and `aside` are relative to
 * `.servicepack/`.
 * - swap: replace, add or remove a file or symlink. `aside` is where the old node is preserved (absent
 *   when there is no old node); `incoming` is the new node waiting to be renamed in (absent for removal).
 * - mkdir / rmdir: create or remove a directory; `mode` is the directory's mode (the new one for mkdir,
 *   the old one, given back on roll-back, for rmdir).
 * - chmod: a directory that stays a directory gets `mode` (roll-back: `oldMode`).
 */
export type Step =
  | { op: 'swap'; path: string; incoming?: string; aside?: string }
  | { op: 'mkdir'; path: string; mode?: number }
  | { op: 'rmdir'; path: string; mode?: number }
  | { op: 'chmod'; path: string; mode: number; oldMode: number };

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
    throw ioFailed(err, 'read', file);
  }
  let j: Partial<Journal> | null;
  try {
    j = JSON.parse(text) as Partial<Journal> | null;
  } catch (err) {
    throw corrupt(file, (err as Error).message, err);
  }
  // A newer servicepack's journal is not damage: say who wrote it (its steps may mean something else).
  if (typeof j?.journalVersion === 'number' && j.journalVersion > 1) throw newerRecord(file, 'journal', j.journalVersion, 1);
  if (j === null || j.journalVersion !== 1 || typeof j.txid !== 'string' || !Array.isArray(j.steps) ||
      (j.kind !== 'install' && j.kind !== 'uninstall') || !Array.isArray(j.afterCommit) || !Array.isArray(j.afterRollback)) {
    throw corrupt(file, 'missing or mistyped fields');
  }
  // Nothing in the journal is trusted as a path: each must have the one shape servicepack writes.
  const problem = journalPathsProblem(j.txid, j.steps, j.afterCommit, j.afterRollback);
  if (problem !== undefined) throw corrupt(file, problem);
  return j as Journal;
}

function corrupt(file: string, reason: string, cause?: unknown): ServicePackError<'JOURNAL_CORRUPT'> {
  return new ServicePackError('JOURNAL_CORRUPT', `journal ${file} is unreadable`, {
    hint: 'The journal is written atomically, so this means outside damage. Compare the target with `servicepack verify` and restore it from a backup.',
    details: { path: file, reason },
    cause,
  });
}

/** JOURNAL_UNSUPPORTED: a record written by a newer servicepack. */
export function newerRecord(file: string, what: 'journal' | 'state', version: number, supported: number): ServicePackError<'JOURNAL_UNSUPPORTED'> {
  return new ServicePackError('JOURNAL_UNSUPPORTED', `${file} was written by a newer servicepack (${what} version ${version}, this one reads ${supported})`, {
    hint: what === 'journal'
      ? 'A newer servicepack was interrupted on this target: run `servicepack recover --target <dir>` with that newer servicepack. Nothing was changed.'
      : 'A newer servicepack manages this target: use it (or a servicepack at least as new) for every command on this target. Nothing was changed.',
    details: { path: file, version, supported },
  });
}
