// Runs work holding the target lock, after settling any interrupted transaction first.
import { makeDirs } from '../fs/durable.js';
import { TargetLock } from '../fs/lock.js';
import { recoverLocked, type RecoverOutcome } from './recover.js';
import type { TxContext } from './tx-context.js';

/**
 * Runs `work` holding the target lock, after finishing or rolling back any interrupted transaction.
 * Creates `.servicepack/` when `create` is set (the first install).
 */
export function withTargetLock<T>(ctx: TxContext, create: boolean, work: (recovered: RecoverOutcome) => T): T {
  if (create) makeDirs(ctx.layout.dir);
  const lock = TargetLock.acquire(ctx.layout.lock, ctx.layout.target, ctx.platform);
  let failed = false;
  try {
    if (lock.tookOverFrom !== undefined) ctx.emit({ type: 'lock-taken-over', fromPid: lock.tookOverFrom });
    return work(recoverLocked(ctx));
  } catch (err) {
    failed = true;
    throw err;
  } finally {
    try {
      lock.release();
    } catch (err) {
      // After a failed command its own error is the one to report (e.g. RECOVERY_NEEDED on a file system
      // that went read-only, where the lock cannot be removed either); that lock is stale once we exit.
      if (!failed) throw err;
    }
  }
}
