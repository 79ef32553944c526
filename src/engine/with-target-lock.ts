// Runs work holding the target lock, after settling any interrupted transaction first.
import { fsyncParentsOf, lstatOrNull, makeDirs, removeEmptyDir } from '../fs/durable.js';
import { trustDirOf } from '../records/trust-store.js';
import { TargetLock } from '../fs/lock.js';
import { recoverLocked, type RecoverOutcome } from './recover.js';
import { settleTrialLocked, type TrialSettlement } from './health-trial.js';
import type { UninstallResult } from './uninstall-latest.js';
import { readTrialRecord } from '../records/trial-record.js';
import type { TxContext } from '../records/tx-context.js';
import { checkStateDir, removeStateTree } from '../records/state-dir.js';

/** What was settled before the work: an interrupted transaction, and an install on trial nobody was running. */
export type Recovered = RecoverOutcome & { trial?: TrialSettlement };

/**
 * Runs `work` holding the target lock, after finishing or rolling back any interrupted transaction and
 * cleaning up (unless `cleanUpFirst` is false: the cleanup command does that itself), then rolling
 * back an install whose health trial was never confirmed (`rolledBack`: that uninstall's result).
 * Creates `.servicepack/` when `create` is set (the first install); if that first install fails, or a
 * first install is rolled back (here or by recover), the directory is removed again when nothing else
 * is in it, so the target is left exactly as it was found.
 */
export function withTargetLock<T>(ctx: TxContext, create: boolean, work: (recovered: Recovered, rolledBack?: UninstallResult) => T, cleanUpFirst = true): T {
  const { layout } = ctx;
  const created = create ? makeDirs(layout.dir) : [];
  // Its entry in the target must survive a power loss like everything kept inside it.
  fsyncParentsOf(created, new Set(), ctx.platform);
  // `.servicepack` and its directories must be real ones (and, for root, root's alone): a symlink there
  // would take every write and removal elsewhere.
  checkStateDir(ctx);
  const lock = TargetLock.acquire(layout.lock, layout.target, ctx.platform);
  let unmanaged = false;
  let failed = false;
  try {
    if (lock.tookOverFrom !== undefined) ctx.emit({ type: 'lock-taken-over', fromPid: lock.tookOverFrom });
    const recovered = recoverLocked(ctx, cleanUpFirst);
    // We hold the lock, so no process runs a trial on this target: one still recorded was never confirmed.
    const trial = settleTrialLocked(ctx, readTrialRecord(layout));
    return trial === undefined ? work(recovered) : work({ ...recovered, trial: trial.settlement }, trial.uninstalled);
  } catch (err) {
    failed = true;
    throw err;
  } finally {
    try {
      // No state and no journal: the target is not managed (a first install failed, or was rolled back
      // here or by recover). What servicepack made for it goes, so the target is as it was found.
      unmanaged = lstatOrNull(layout.state) === null && lstatOrNull(layout.journal) === null;
      if (unmanaged) {
        // With no state, a tree listing is one a failed first install wrote: it goes too.
        if (created.length > 0) for (const rel of ['staging', 'backup', 'tree']) removeStateTree(layout, rel);
        else for (const d of [layout.staging, layout.backup, `${layout.dir}/tree`]) removeEmptyDir(d);
        // trust/ was made for the key pin, which the failure removed (or never placed); keys pinned
        // by `trust --add` keep it.
        removeEmptyDir(trustDirOf(layout));
      }
      lock.release();
      // Only when nothing else is in it (a pinned key, a file of someone else's).
      if (unmanaged) removeEmptyDir(layout.dir);
    } catch (err) {
      // After a failed command its own error is the one to report (e.g. RECOVERY_NEEDED on a file system
      // that went read-only, where the lock cannot be removed either); that lock is stale once we exit.
      if (!failed) throw err;
    }
  }
}
