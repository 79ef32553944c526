// Runs work holding the target lock, after settling any interrupted transaction first.
import { fsyncParentsOf, lstatOrNull, makeDirs, removeEmptyDir } from '../fs/durable.js';
import { trustDirOf } from '../records/trust-store.js';
import { TargetLock } from '../fs/lock.js';
import { recoverLocked, type RecoverOutcome } from './recover.js';
import type { TxContext } from '../records/tx-context.js';
import { checkStateDir, removeStateTree } from '../records/state-dir.js';

/**
 * Runs `work` holding the target lock, after finishing or rolling back any interrupted transaction and
 * cleaning up (unless `cleanUpFirst` is false: the cleanup command does that itself).
 * Creates `.servicepack/` when `create` is set (the first install); if that first install fails, or a
 * first install is rolled back (here or by recover), the directory is removed again when nothing else
 * is in it, so the target is left exactly as it was found.
 */
export function withTargetLock<T>(ctx: TxContext, create: boolean, work: (recovered: RecoverOutcome) => T, cleanUpFirst = true): T {
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
    return work(recoverLocked(ctx, cleanUpFirst));
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
