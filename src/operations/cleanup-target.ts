// cleanup: the explicit command. Takes the lock, settles any interrupted transaction, then removes the
// set-aside files nothing needs and nothing holds any more (cleanup.ts); with `keep`, first gives up the
// uninstall backups of all but the newest `keep` installed service packs (retention.ts).
import { ServicePackError } from '../errors/index.js';
import { lstatOrNull } from '../fs/durable.js';
import { cleanupLocked, type CleanupResult } from '../engine/cleanup.js';
import { requireTarget } from '../engine/require-target.js';
import type { RecoverOutcome } from '../engine/recover.js';
import type { TxContext } from '../records/tx-context.js';
import { withTargetLock } from '../engine/with-target-lock.js';
import { refuseIfPending } from '../engine/refuse-pending.js';
import { readState, writeState } from '../records/state-file.js';
import { retain, toPrune } from '../records/retention.js';
import { logEvent } from '../records/history-log.js';

export interface CleanupTargetResult extends CleanupResult {
  target: string;
  recovered: RecoverOutcome;
  /** Nothing was removed: `removed`, `bytesFreed` and `pruned` say what a clean-up would do now. */
  dryRun: boolean;
  /** The transactions whose uninstall backups this clean-up gave up (`keep`); they can no longer be uninstalled. */
  pruned: string[];
}

export interface CleanupOptions {
  dryRun?: boolean;
  /** Give up the uninstall backups of all but the newest `keep` installed service packs. */
  keep?: number;
}

export function cleanupTarget(ctx: TxContext, opts: CleanupOptions = {}): CleanupTargetResult {
  const { layout } = ctx;
  requireTarget(layout.target);
  if (lstatOrNull(layout.dir) === null) {
    throw new ServicePackError('NOT_MANAGED', `${layout.target} has no servicepack state`, {
      hint: 'Nothing was ever installed there by servicepack, so there is nothing to clean up.',
      details: { target: layout.target },
    });
  }
  if (opts.keep !== undefined && (!Number.isInteger(opts.keep) || opts.keep < 0)) {
    throw new ServicePackError('USAGE', `--prune must be a whole number of service packs to keep (0 or more), not ${opts.keep}`, { hint: 'For example --prune 2 keeps the uninstall backups of the 2 newest service packs.', details: { argument: '--prune' } });
  }
  if (opts.dryRun === true) {
    refuseIfPending(ctx, 'the dry run');
    const pruned = toPrune(readState(layout)?.history ?? [], opts.keep);
    return { target: layout.target, recovered: { outcome: 'nothing-to-do' }, dryRun: true, pruned, ...cleanupLocked(ctx, true, new Set(pruned)) };
  }
  return withTargetLock(ctx, false, (recovered) => {
    const state = readState(layout);
    const pruned = state === null ? [] : toPrune(state.history, opts.keep);
    if (state !== null && pruned.length > 0) writeState(layout, { ...state, history: retain(state.history, opts.keep) }, ctx.platform);
    // Now: the state no longer counts on those backups. The clean-up removes them; a crash before it
    // leaves them to the next clean-up.
    const result = cleanupLocked(ctx);
    if (pruned.length > 0) logEvent(ctx, { event: 'prune', outcome: 'pruned', pruned, bytesFreed: result.bytesFreed, ...(state === null ? {} : { product: state.product }) });
    return { target: layout.target, recovered, dryRun: false, pruned, ...result };
  }, false);
}
