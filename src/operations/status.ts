// status: what is installed in a target and whether work is pending. Reads only; never recovers.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { hasErrno } from '../errors/index.js';
import { ioFailed } from '../fs/io-error.js';
import { readJournal } from '../journal/journal.js';
import type { TxContext } from '../records/tx-context.js';
import { findBackupWrites, type BackupWrite } from '../records/backup-writes.js';
import { requireTarget } from '../engine/require-target.js';
import { checkStateDir } from '../records/state-dir.js';
import { readState, type HistoryEntry } from '../records/state-file.js';
import { readHistoryLog, type HistoryEvent } from '../records/history-log.js';
import { backupBytes } from '../records/backup-size.js';

export interface StatusResult {
  target: string;
  managed: boolean;
  product: string | null;
  version: string | null;
  history: HistoryEntry[];
  /** An interrupted transaction that `recover` (or the next install/uninstall) will settle. */
  pending: { txid: string; kind: 'install' | 'uninstall' } | null;
  /** The pid recorded in the lock file, if there is one (it may be stale). */
  lockedBy: number | null;
  /** Set-aside files of installed service packs that were written after they were set aside. */
  backupWrites: BackupWrite[];
  /** Files of this target the OS will delete at the next boot (set-aside files still held at clean-up). */
  waitingForReboot: string[];
  /** The history log: every install, uninstall, recovery and prune, oldest first (also after uninstalls). */
  log: HistoryEvent[];
  /** Bytes the uninstall backups take under `.servicepack/backup/` (see `cleanup --prune`, `install --keep`). */
  backupBytes: number;
}

export function targetStatus(ctx: TxContext): StatusResult {
  const { layout } = ctx;
  requireTarget(layout.target);
  checkStateDir(ctx);
  const state = readState(layout);
  const journal = readJournal(layout.journal);
  return {
    target: layout.target,
    managed: state !== null,
    product: state?.product ?? null,
    version: state?.version ?? null,
    history: state?.history ?? [],
    pending: journal === null ? null : { txid: journal.txid, kind: journal.kind },
    lockedBy: lockPid(layout.lock),
    backupWrites: findBackupWrites(layout, state),
    waitingForReboot: waitingForReboot(ctx),
    log: readHistoryLog(layout),
    backupBytes: backupBytes(layout),
  };
}

/** The target-relative paths under `.servicepack/` that the OS will delete at the next boot. */
function waitingForReboot(ctx: TxContext): string[] {
  const prefix = `${ctx.layout.dir}${path.sep}`.toLowerCase();
  const pending = ctx.platform.pendingRebootDeletes?.() ?? [];
  // Windows compares paths without case; the list holds them as they were scheduled.
  return pending.filter((p) => p.toLowerCase().startsWith(prefix)).map((p) => path.relative(ctx.layout.target, p).split(path.sep).join('/')).sort();
}

function lockPid(file: string): number | null {
  try {
    const v = JSON.parse(fs.readFileSync(file, 'utf8')) as { pid?: unknown };
    return typeof v.pid === 'number' ? v.pid : null;
  } catch (err) {
    if (hasErrno(err, 'ENOENT') || err instanceof SyntaxError) return null;
    throw ioFailed(err, 'read', file);
  }
}
