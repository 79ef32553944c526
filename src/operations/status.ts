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
import { readTrialRecord } from '../records/trial-record.js';
import { describeCheck } from '../format/health.js';
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
  /**
   * The installed service pack is on trial: its health checks have not confirmed it yet. `running`
   * false means no process runs the trial (it was killed): the next command on the target rolls it back.
   */
  trial: { txid: string; version: string; checks: string[]; windowMs: number; deadlineMs: number; running: boolean } | null;
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
    trial: trialOf(ctx, state?.history.at(-1)?.txid),
    log: readHistoryLog(layout),
    backupBytes: backupBytes(layout),
  };
}

/** The trial of the last installed pack, if it is on one (a record naming another txid is left from a transaction that never committed). */
function trialOf(ctx: TxContext, lastTxid: string | undefined): StatusResult['trial'] {
  const t = readTrialRecord(ctx.layout);
  if (t === null || t.txid !== lastTxid) return null;
  const owner = lockOwner(ctx.layout.lock);
  const running = owner !== null && ctx.platform.lockOwnerState(owner) !== 'gone';
  return { txid: t.txid, version: t.toVersion, checks: t.health.checks.map(describeCheck), windowMs: t.health.windowMs, deadlineMs: t.health.deadlineMs, running };
}

/** The target-relative paths under `.servicepack/` that the OS will delete at the next boot. */
function waitingForReboot(ctx: TxContext): string[] {
  const prefix = `${ctx.layout.dir}${path.sep}`.toLowerCase();
  const pending = ctx.platform.pendingRebootDeletes?.() ?? [];
  // Windows compares paths without case; the list holds them as they were scheduled.
  return pending.filter((p) => p.toLowerCase().startsWith(prefix)).map((p) => path.relative(ctx.layout.target, p).split(path.sep).join('/')).sort();
}

function lockPid(file: string): number | null {
  return lockOwner(file)?.pid ?? null;
}

function lockOwner(file: string): { pid: number; start: string | null; ns?: string } | null {
  try {
    const v = JSON.parse(fs.readFileSync(file, 'utf8')) as { pid?: unknown; start?: unknown; ns?: unknown };
    if (typeof v.pid !== 'number') return null;
    return { pid: v.pid, start: typeof v.start === 'string' ? v.start : null, ...(typeof v.ns === 'string' ? { ns: v.ns } : {}) };
  } catch (err) {
    if (hasErrno(err, 'ENOENT') || err instanceof SyntaxError) return null;
    throw ioFailed(err, 'read', file);
  }
}
