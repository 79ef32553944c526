// Runs work holding the target lock, after settling any interrupted transaction first.
import { makeDirs } from '../fs/durable.js';
import { TargetLock } from '../fs/lock.js';
import { recoverLocked, type RecoverOutcome } from './recover.js';
import type { TxContext } from './tx-context.js';

/**
 * Runs `work` holding the target lock, after finishing or rolling back any interrupted transaction and
 * cleaning up (unless `cleanUpFirst` is false: the cleanup command does that itself).
 * Creates `.servicepack/` when `create` is set (the first install).
 */
export function withTargetLock<T>(ctx: TxContext, create: boolean, work: (recovered: RecoverOutcome) => T, cleanUpFirst = true): T {
  if (create) makeDirs(ctx.layout.dir);
  const lock = TargetLock.acquire(ctx.layout.lock, ctx.layout.target, ctx.platform);
  try {
    if (lock.tookOverFrom !== undefined) ctx.emit({ type: 'lock-taken-over', fromPid: lock.tookOverFrom });
    return work(recoverLocked(ctx, cleanUpFirst));
  } finally {
    lock.release();
  }
}
