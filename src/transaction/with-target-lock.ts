// Runs work holding the target lock, after settling any interrupted transaction first.
import { checkBeneath } from '../fs/beneath.js';
import { makeDirs } from '../fs/durable.js';
import { TargetLock } from '../fs/lock.js';
import { recoverLocked, type RecoverOutcome } from './recover.js';
import type { TxContext } from './tx-context.js';
import { STATE_DIR_NAME } from './layout.js';

/**
 * Runs `work` holding the target lock, after finishing or rolling back any interrupted transaction.
 * Creates `.servicepack/` when `create` is set (the first install).
 */
export function withTargetLock<T>(ctx: TxContext, create: boolean, work: (recovered: RecoverOutcome) => T): T {
  if (create) makeDirs(ctx.layout.dir);
  // `.servicepack` itself must be a real directory: a symlink there would take every write elsewhere.
  checkBeneath(ctx.layout.target, `${STATE_DIR_NAME}/lock`);
  const lock = TargetLock.acquire(ctx.layout.lock, ctx.layout.target, ctx.platform);
  try {
    if (lock.tookOverFrom !== undefined) ctx.emit({ type: 'lock-taken-over', fromPid: lock.tookOverFrom });
    return work(recoverLocked(ctx));
  } finally {
    lock.release();
  }
}
