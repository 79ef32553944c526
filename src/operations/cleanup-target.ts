// cleanup: the explicit command. Takes the lock, settles any interrupted transaction, then removes the
// set-aside files nothing needs and nothing holds any more (cleanup.ts).
import { ServicePackError } from '../errors/index.js';
import { lstatOrNull } from '../fs/durable.js';
import { cleanupLocked, type CleanupResult } from '../engine/cleanup.js';
import { requireTarget } from '../engine/require-target.js';
import type { RecoverOutcome } from '../engine/recover.js';
import type { TxContext } from '../records/tx-context.js';
import { withTargetLock } from '../engine/with-target-lock.js';

export interface CleanupTargetResult extends CleanupResult {
  target: string;
  recovered: RecoverOutcome;
}

export function cleanupTarget(ctx: TxContext): CleanupTargetResult {
  requireTarget(ctx.layout.target);
  if (lstatOrNull(ctx.layout.dir) === null) {
    throw new ServicePackError('NOT_MANAGED', `${ctx.layout.target} has no servicepack state`, {
      hint: 'Nothing was ever installed there by servicepack, so there is nothing to clean up.',
      details: { target: ctx.layout.target },
    });
  }
  return withTargetLock(ctx, false, (recovered) => ({ target: ctx.layout.target, recovered, ...cleanupLocked(ctx) }), false);
}
