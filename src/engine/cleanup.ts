// Clean up: removes what no installed service pack needs any more (docs/cleanup.md): every staging
// directory, and every backup directory whose transaction is not in the installed history. A file
// that some process still holds (maps, executes, has open, or sits in) is kept and reported with its
// holders; a later clean-up removes it once it is free. Deleting is idempotent and children-first,
// and a directory goes only once empty, so a crash at any point leaves only more to clean next time.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { checkBeneath } from '../fs/beneath.js';
import { listOrEmpty, removeEmptyDir, unlink } from '../fs/durable.js';
import { findHolders } from '../inuse/find-holders.js';
import type { Holder, TargetFile, Uninspectable } from '../inuse/holder.js';
import { targetFiles } from '../inuse/target-files.js';
import { findBackupWrites, type BackupWrite } from '../records/backup-writes.js';
import { STATE_DIR_NAME } from '../records/layout.js';
import { checkStateDir, removeStateTree } from '../records/state-dir.js';
import { readState } from '../records/state-file.js';
import { listingOf } from '../records/tree-record.js';
import type { TxContext } from '../records/tx-context.js';

export interface CleanupResult {
  /** Removed files, relative to the target (under `.servicepack/`). */
  removed: string[];
  bytesFreed: number;
  /** Set-aside files kept because processes still hold them; removed by a later clean-up. */
  held: { path: string; holders: Holder[] }[];
  /** Processes that could not be inspected; they do not stop a removal (unlinking a name never disturbs a process). */
  uninspectable: Uninspectable[];
  /** Set-aside files of installed service packs written after they were set aside (kept, like all of those). */
  backupWrites: BackupWrite[];
  /**
   * Held files the OS was asked to delete at the next boot (Windows, elevated: a loaded DLL cannot be
   * deleted while loaded). They are also in `held`.
   */
  atReboot: string[];
}

/**
 * Runs the clean-up; the caller holds the lock and no journal is pending. With `dryRun`, removes nothing
 * and reports in `removed` what it would remove (no lock needed: it only reads), counting the backups of
 * the transactions in `givingUp` as given up already.
 */
export function cleanupLocked(ctx: TxContext, dryRun = false, givingUp: ReadonlySet<string> = new Set()): CleanupResult {
  const { layout } = ctx;
  // What is listed and removed here must be servicepack's own: checked again, not followed.
  checkStateDir(ctx);
  const state = readState(layout);
  const result: CleanupResult = { removed: [], bytesFreed: 0, held: [], uninspectable: [], backupWrites: findBackupWrites(layout, state), atReboot: [] };
  for (const w of result.backupWrites) {
    ctx.emit({ type: 'warning', code: 'BACKUP_WRITTEN', message: `${w.path} was written after it was set aside: the writes went to ${w.backup}` });
  }
  if (!dryRun) for (const name of listOrEmpty(layout.staging)) removeStateTree(layout, `staging/${name}`);
  // Listings of the tree that the state does not name: a first install that never committed.
  const listing = state?.record === undefined ? undefined : listingOf(state.record.listing);
  if (!dryRun) for (const name of listOrEmpty(path.join(layout.dir, 'tree'))) if (`tree/${name}` !== listing) removeStateTree(layout, `tree/${name}`);
  // The backups of installed packs are kept, except those a retention policy gave up (pruned).
  const keep = new Set((state?.history ?? []).filter((h) => h.pruned !== true && !givingUp.has(h.txid)).map((h) => h.txid));
  // A given-up pack whose changes the tree's record names (record.changes) keeps its record.json, which
  // verify reads to know the whole tree: only its set-aside files go.
  const chained = new Set(state?.record?.changes ?? []);
  const doomed = listOrEmpty(layout.backup).filter((name) => !keep.has(name)).flatMap((name) => {
    if (!chained.has(name)) return [`${STATE_DIR_NAME}/backup/${name}`];
    return listOrEmpty(path.join(layout.backup, name)).includes('files') ? [`${STATE_DIR_NAME}/backup/${name}/files`] : [];
  });
  for (const rel of doomed) checkBeneath(layout.target, rel);
  if (doomed.length === 0) return result;
  const entries = targetFiles(layout.target, doomed);
  // Only files and links can be held as code or data; scan only when there are some.
  const leaves = entries.filter((e) => e.type !== 'dir');
  const report = leaves.length > 0 ? findHolders(ctx.platform, entries) : { holders: [], uninspectable: [], inspected: 0 };
  result.uninspectable = report.uninspectable;
  const holdersOf = new Map<string, Holder[]>();
  for (const h of report.holders) holdersOf.set(h.path, [...(holdersOf.get(h.path) ?? []), h]);
  const atReboot = dryRun ? () => false : scheduleAtReboot(ctx);
  for (const e of leaves.sort(deepestFirst)) {
    const holders = holdersOf.get(e.path);
    const abs = path.join(layout.target, e.path);
    if (holders !== undefined) {
      result.held.push({ path: e.path, holders });
      if (atReboot(abs)) result.atReboot.push(e.path);
      continue;
    }
    const size = e.type === 'file' ? fs.lstatSync(abs).size : 0;
    if (!dryRun) unlink(abs);
    result.removed.push(e.path);
    result.bytesFreed += size;
  }
  // Now: every unheld file is gone; directories go deepest first, each only once empty and unheld.
  for (const e of dryRun ? [] : entries.filter((x) => x.type === 'dir').sort(deepestFirst)) {
    if (!holdersOf.has(e.path)) removeEmptyDir(path.join(layout.target, e.path));
  }
  result.removed.sort();
  result.atReboot.sort();
  result.held.sort((a, b) => (a.path < b.path ? -1 : 1));
  if (!dryRun && (result.removed.length > 0 || result.held.length > 0)) {
    ctx.emit({ type: 'cleanup', removed: result.removed.length, bytesFreed: result.bytesFreed, held: result.held.map((h) => h.path) });
  }
  return result;
}

/**
 * Asks the OS to delete a held file at the next boot, once: a file already waiting is not added again
 * (every clean-up while its holder runs would otherwise add it to the boot-time list once more).
 */
function scheduleAtReboot(ctx: TxContext): (abs: string) => boolean {
  const { deleteAtReboot, pendingRebootDeletes } = ctx.platform;
  if (deleteAtReboot === undefined) return () => false;
  // Windows compares paths without case; the list holds them as they were scheduled.
  const pending = new Set((pendingRebootDeletes?.() ?? []).map((p) => p.toLowerCase()));
  return (abs) => pending.has(abs.toLowerCase()) || deleteAtReboot(abs);
}

const depth = (p: string): number => p.split('/').length;
const deepestFirst = (a: TargetFile, b: TargetFile): number => depth(b.path) - depth(a.path) || (a.path < b.path ? -1 : 1);
