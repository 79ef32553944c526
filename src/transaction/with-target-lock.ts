// Runs work holding the target lock, after settling any interrupted transaction first.
import { checkBeneath } from '../fs/beneath.js';
import { fsyncParentsOf, lstatOrNull, makeDirs, removeEmptyDir, removeTree } from '../fs/durable.js';
import { trustDirOf } from './trust-store.js';
import { TargetLock } from '../fs/lock.js';
import { recoverLocked, type RecoverOutcome } from './recover.js';
import type { TxContext } from './tx-context.js';
import { STATE_DIR_NAME } from './layout.js';

/**
 * Runs `work` holding the target lock, after finishing or rolling back any interrupted transaction and
 * cleaning up (unless `cleanUpFirst` is false: the cleanup command does that itself).
 * Creates `.servicepack/` when `create` is set (the first install); if that first install fails, the
 * directory is removed again, so the target is left exactly as it was found.
 */
export function withTargetLock<T>(ctx: TxContext, create: boolean, work: (recovered: RecoverOutcome) => T, cleanUpFirst = true): T {
  const { layout } = ctx;
  const created = create ? makeDirs(layout.dir) : [];
  // Its entry in the target must survive a power loss like everything kept inside it.
  fsyncParentsOf(created, new Set(), ctx.platform);
  // `.servicepack` itself must be a real directory: a symlink there would take every write elsewhere.
  checkBeneath(layout.target, `${STATE_DIR_NAME}/lock`);
  const lock = TargetLock.acquire(layout.lock, layout.target, ctx.platform);
  let firstInstallFailed = false;
  let failed = false;
  try {
    if (lock.tookOverFrom !== undefined) ctx.emit({ type: 'lock-taken-over', fromPid: lock.tookOverFrom });
    return work(recoverLocked(ctx, cleanUpFirst));
  } catch (err) {
    failed = true;
    throw err;
  } finally {
    try {
      firstInstallFailed = created.length > 0 && lstatOrNull(layout.state) === null && lstatOrNull(layout.journal) === null;
      if (firstInstallFailed) {
        for (const d of [layout.staging, layout.backup]) removeTree(d);
        // trust/ was made for the key pin, which the failure removed (or never placed).
        removeEmptyDir(trustDirOf(layout));
      }
      lock.release();
      if (firstInstallFailed) removeEmptyDir(layout.dir);
    } catch (err) {
      // After a failed command its own error is the one to report (e.g. RECOVERY_NEEDED on a file system
      // that went read-only, where the lock cannot be removed either); that lock is stale once we exit.
      if (!failed) throw err;
    }
  }
}
