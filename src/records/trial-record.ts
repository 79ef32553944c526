// The trial record (.servicepack/trial.json): an install whose health checks have not confirmed it yet
// (docs/health.md). Written atomically before the install's journal, so it is durable before the commit
// and before the first check; removed once the checks confirm the install, or once it is rolled back.
// While it names the last installed pack, that pack is on trial: whoever takes the lock and finds it
// with no one running the trial rolls the pack back.
import * as fs from 'node:fs';
import { ServicePackError, hasErrno } from '../errors/index.js';
import { fsyncDir, unlinkIfExists, writeFileAtomic, type Durability } from '../fs/durable.js';
import { ioFailed } from '../fs/io-error.js';
import { healthProblem, type HealthTiming, type PackHealth } from '../format/health.js';
import { txidProblem } from '../journal/record-paths.js';
import type { Layout } from './layout.js';

export interface TrialRecord {
  trialVersion: 1;
  /** The install on trial. */
  txid: string;
  fromVersion: string;
  toVersion: string;
  /** The checks and timing the trial runs (the pack's and the install's, merged). */
  health: PackHealth & HealthTiming;
}

export function writeTrialRecord(layout: Layout, record: TrialRecord, platform: Durability): void {
  writeFileAtomic(layout.trial, `${JSON.stringify(record)}\n`, platform);
}

/** The trial record, or null when no install is on trial. A damaged record is JOURNAL_CORRUPT. */
export function readTrialRecord(layout: Layout): TrialRecord | null {
  let text: string;
  try {
    text = fs.readFileSync(layout.trial, 'utf8');
  } catch (err) {
    if (hasErrno(err, 'ENOENT')) return null;
    throw ioFailed(err, 'read', layout.trial);
  }
  let r: Partial<TrialRecord> | null;
  try {
    r = JSON.parse(text) as Partial<TrialRecord> | null;
  } catch (err) {
    throw corrupt(layout.trial, (err as Error).message, err);
  }
  // Its commands are run by whoever settles the trial: nothing in it is taken without checking.
  const problem = r === null || typeof r !== 'object' ? 'not a JSON object'
    : r.trialVersion !== 1 ? `trialVersion ${JSON.stringify(r.trialVersion)} is not 1`
    : txidProblem('txid', r.txid)
    ?? (typeof r.fromVersion !== 'string' || typeof r.toVersion !== 'string' ? 'fromVersion or toVersion is not a string' : undefined)
    ?? healthProblem(r.health, 'health')
    ?? (['delayMs', 'periodMs', 'windowMs', 'deadlineMs'].some((k) => typeof (r!.health as unknown as Record<string, unknown>)[k] !== 'number') ? 'health lacks a timing value' : undefined);
  if (problem !== undefined) throw corrupt(layout.trial, problem);
  return r as TrialRecord;
}

/** Removes the trial record durably: a power cut must not bring a settled trial back. */
export function removeTrialRecord(layout: Layout, platform: Durability): void {
  unlinkIfExists(layout.trial);
  fsyncDir(layout.dir, platform);
}

function corrupt(file: string, reason: string, cause?: unknown): ServicePackError<'JOURNAL_CORRUPT'> {
  return new ServicePackError('JOURNAL_CORRUPT', `trial record ${file} is unreadable`, {
    hint: 'The trial record is written atomically, so this means outside damage. Check the application by hand; remove the file to keep the installed version, or run `servicepack uninstall` after removing it to go back.',
    details: { path: file, reason },
    ...(cause === undefined ? {} : { cause }),
  });
}
