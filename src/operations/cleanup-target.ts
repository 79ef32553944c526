// cleanup: the explicit command. Takes the lock, settles any interrupted transaction, then removes the
// set-aside files nothing needs and nothing holds any more (cleanup.ts).
import { ServicePackError } from '../errors/index.js';
import { lstatOrNull } from '../fs/durable.js';
import { cleanupLocked, type CleanupResult } from '../engine/cleanup.js';
import { requireTarget } from '../engine/require-target.js';
import type { RecoverOutcome } from '../engine/recover.js';
import type { TxContext } from '../records/tx-context.js';
import { withTargetLock } from '../engine/with-target-lock.js';
import { refuseIfPending } from '../engine/refuse-pending.js';

export interface CleanupTargetResult extends CleanupResult {
  target: string;
  recovered: RecoverOutcome;
  /** Nothing was removed: `removed` and `bytesFreed` say what a clean-up would remove now. */
  dryRun: boolean;
}

export function cleanupTarget(ctx: TxContext, dryRun = false): CleanupTargetResult {
  requireTarget(ctx.layout.target);
  if (lstatOrNull(ctx.layout.dir) === null) {
    throw new ServicePackError('NOT_MANAGED', `${ctx.layout.target} has no servicepack state`, {
      hint: 'Nothing was ever installed there by servicepack, so there is nothing to clean up.',
      details: { target: ctx.layout.target },
    });
  }
  if (dryRun) {
    refuseIfPending(ctx, 'the dry run');
    return { target: ctx.layout.target, recovered: { outcome: 'nothing-to-do' }, dryRun: true, ...cleanupLocked(ctx, true) };
  }
  return withTargetLock(ctx, false, (recovered) => ({ target: ctx.layout.target, recovered, dryRun: false, ...cleanupLocked(ctx) }), false);
}
