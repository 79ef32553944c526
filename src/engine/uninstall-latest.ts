// Uninstall under the lock: put back the state before the most recently installed service pack, from its
// set-aside files, as one transaction with the same guarantees as install. The uninstall command and
// the roll-back of a failed health trial (health-trial.ts) both run it.
import * as path from 'node:path';
import { ServicePackError, type Mismatch } from '../errors/index.js';
import { fsyncParentsOf, makeDirs } from '../fs/durable.js';
import { readNode, readNodeStamped } from '../inventory/read-node.js';
import { planSteps, type StepNaming } from '../planner/plan-steps.js';
import { describeNode, nodeMatches, type Transition } from '../planner/transition.js';
import { readBackupRecord, type BackupRecord } from '../records/backup-record.js';
import { backupWriteOf, type BackupWrite } from '../records/backup-writes.js';
import type { TxContext } from '../records/tx-context.js';
import { backupDirOf, backupFilesOf } from '../records/layout.js';
import { newTxid } from '../records/new-txid.js';
import type { OldNode } from './old-node-guard.js';
import { commitWithHooks, type AfterCommit, type CommitOptions } from './finish-committed.js';
import { summarize, type PlannedAction } from './plan-summary.js';
import type { RecoverOutcome } from './recover.js';
import { readState, type HistoryEntry } from '../records/state-file.js';
import { checkPathLengths } from './check-path-lengths.js';
import type { TrialEnd } from './run-hook.js';

export interface UninstallResult extends AfterCommit {
  target: string;
  product: string;
  /** The service pack that was removed. */
  removed: { packId: string; fromVersion: string; toVersion: string; txid: string };
  /** The version installed now. */
  version: string;
  txid: string;
  actions: PlannedAction[];
  recovered: RecoverOutcome;
}

/**
 * Uninstalls the latest service pack; the caller holds the lock. `trial` says why, when a health trial
 * rolls its install back: the hooks are told (SERVICEPACK_TRIAL).
 */
export function uninstallLocked(ctx: TxContext, opts: CommitOptions, recovered: RecoverOutcome, trial?: TrialEnd): UninstallResult {
  const { layout } = ctx;
  const { state, last, record, reversed, olds } = preflightUninstall(ctx);

  const txid = newTxid();
  const naming: StepNaming = {
    incoming: (p) => `${backupFilesOf(last.txid)}/${p}`,
    aside: (p) => `${backupFilesOf(txid)}/${p}`,
  };
  const info = { kind: 'uninstall' as const, product: state.product, fromVersion: last.toVersion, toVersion: last.fromVersion, txid, packId: last.packId, ...(trial === undefined ? {} : { trial }) };
  const after = commitWithHooks(ctx, record.hooks, info, opts, {
    journal: {
      journalVersion: 1, txid, kind: 'uninstall', steps: planSteps(reversed, naming),
      // The consumed backup and this uninstall's set-aside files are no longer needed: clean-up
      // removes them once no process holds them (docs/cleanup.md).
      afterCommit: [],
      afterRollback: [backupDirOf(txid)],
    },
    prepare: () => {
      const created: string[] = [];
      for (const t of reversed) {
        if (t.from !== null && t.from.type !== 'dir') created.push(...makeDirs(path.dirname(path.join(layout.dir, naming.aside(t.path)))));
      }
      // As in staging: the new directories' own entries; their contents are synced by the commit's passes.
      fsyncParentsOf(created, new Set([layout.dir]), ctx.platform);
    },
    // Backups given up since that install stay given up.
    nextState: { ...record.stateBefore, history: keepPruned(record.stateBefore.history, state.history), lastTransaction: txid },
    olds,
  });
  return {
    target: layout.target, product: state.product,
    removed: { packId: last.packId, fromVersion: last.fromVersion, toVersion: last.toVersion, txid: last.txid },
    version: record.stateBefore.version, txid, actions: summarize(reversed), recovered, ...after,
  };
}

/** The latest installed service pack, its record, the reversed transitions, and the check that they can run. */
export function preflightUninstall(ctx: TxContext) {
  const { layout } = ctx;
  const state = readState(layout);
  const last = state?.history.at(-1);
  if (state === null || last === undefined) {
    throw new ServicePackError('NOTHING_TO_UNINSTALL', `no service pack is installed in ${layout.target}`, {
      hint: 'See `servicepack status --target <dir>` for what is installed.',
      details: { target: layout.target },
    });
  }
  if (last.pruned === true) {
    throw new ServicePackError('BACKUP_PRUNED', `the uninstall backup of ${state.product} ${last.toVersion} (transaction ${last.txid}) was given up, so it cannot be uninstalled`, {
      hint: 'Its set-aside files were removed by a retention policy (install --keep, cleanup --prune). Reinstall the version you need from its release instead. Nothing was changed.',
      details: { target: layout.target, txid: last.txid, version: last.toVersion },
    });
  }
  const record = readBackupRecord(layout, last.txid);
  const reversed: Transition[] = record.transitions.map((t) => ({ path: t.path, from: t.to, to: t.from }));
  ctx.emit({ type: 'phase', phase: 'preflight' });
  checkPathLengths(layout, reversed.map((t) => t.path), ctx.platform);
  const olds = checkUninstallable(ctx, reversed, record);
  return { state, last, record, reversed, olds };
}

function keepPruned(before: HistoryEntry[], now: HistoryEntry[]): HistoryEntry[] {
  const pruned = new Set(now.filter((h) => h.pruned === true).map((h) => h.txid));
  return before.map((h) => (pruned.has(h.txid) ? { ...h, pruned: true as const } : h));
}

/**
 * The target must still hold what the install put there, and the backup what it set aside. Returns the
 * nodes the uninstall sets aside as read here, for the check right before each is set aside.
 */
function checkUninstallable(ctx: TxContext, reversed: Transition[], record: BackupRecord): Map<string, OldNode> {
  const { layout } = ctx;
  const spTxid = record.txid;
  const changed: Mismatch[] = [];
  const damaged: Mismatch[] = [];
  const written: BackupWrite[] = [];
  const olds = new Map<string, OldNode>();
  for (const t of reversed) {
    const { node: actual, stamp } = readNodeStamped(layout.target, t.path);
    if (!nodeMatches(actual, t.from)) changed.push({ path: t.path, expected: describeNode(t.from), actual: describeNode(actual) });
    else if (t.from !== null && t.from.type !== 'dir') olds.set(t.path, stamp === undefined ? { node: t.from } : { node: t.from, stamp });
    if (t.to !== null && t.to.type !== 'dir') {
      const rel = `${backupFilesOf(spTxid)}/${t.path}`;
      const saved = readNode(layout.dir, rel);
      if (!nodeMatches(saved, t.to)) {
        const w = backupWriteOf(layout, record, t.path, t.to);
        if (w !== null) written.push(w);
        damaged.push({ path: `.servicepack/${rel}`, expected: describeNode(t.to), actual: describeNode(saved) });
      }
    }
  }
  if (written.length > 0 && written.length === damaged.length) {
    // Not damage from outside: a process kept writing to the old file after the install replaced it.
    throw new ServicePackError('BACKUP_WRITTEN', `${written.map((w) => `${w.path} was written after the install set it aside: the writes went to ${w.backup}`).join('; ')}`, {
      hint: 'A process that had the old file open kept writing to it after the install, so its writes are in the set-aside copy, not in the installed file, and that copy is no longer the old version. Keep what you need from the named backup file (and restart that process). To uninstall, put the old version (sha256 in details.writes[].expected) back at that backup path; or reinstall the base version.',
      details: { target: layout.target, txid: spTxid, writes: written },
    });
  }
  if (damaged.length > 0) {
    throw new ServicePackError('BACKUP_DAMAGED', `${damaged.length} set-aside file(s) needed to uninstall are missing or altered`, {
      hint: 'The backup under .servicepack/backup/ was changed; uninstall cannot restore the old version exactly. Reinstall the base version instead.',
      details: { target: layout.target, mismatches: damaged },
    });
  }
  if (changed.length > 0) {
    throw new ServicePackError('BASE_MISMATCH', `${changed.length} file(s) changed since the service pack was installed: ${changed.map((m) => m.path).join(', ')}`, {
      hint: 'Restore those files to what the service pack installed (see `servicepack verify`), then uninstall again.',
      details: { target: layout.target, mismatches: changed },
    });
  }
  return olds;
}
