// recover: the explicit command. Takes the lock (taking over a stale one) and settles any journal.
import { ServicePackError } from '../errors/index.js';
import { lstatOrNull } from '../fs/durable.js';
import type { TxContext } from '../records/tx-context.js';
import { withTargetLock, type Recovered } from '../engine/with-target-lock.js';
import { requireTarget } from '../engine/require-target.js';

export interface RecoverResult {
  target: string;
  /** The interrupted transaction settled, and (`trial`) the install on trial rolled back, if any. */
  result: Recovered;
}

export function recoverTarget(ctx: TxContext): RecoverResult {
  requireTarget(ctx.layout.target);
  if (lstatOrNull(ctx.layout.dir) === null) {
    throw new ServicePackError('NOT_MANAGED', `${ctx.layout.target} has no servicepack state`, {
      hint: 'Nothing was ever installed there by servicepack, so there is nothing to recover.',
      details: { target: ctx.layout.target },
    });
  }
  return { target: ctx.layout.target, result: withTargetLock(ctx, false, (recovered) => recovered) };
}
