// uninstall: put back the state before the most recently installed service pack, from its set-aside
// files, as one transaction with the same guarantees as install (src/engine/uninstall-latest.ts).
import { ServicePackError } from '../errors/index.js';
import { lstatOrNull } from '../fs/durable.js';
import type { Holder, Uninspectable } from '../inuse/holder.js';
import type { CommitOptions } from '../engine/finish-committed.js';
import { summarize, type PlannedAction } from '../engine/plan-summary.js';
import { refuseIfPending } from '../engine/refuse-pending.js';
import { requireTarget } from '../engine/require-target.js';
import { holdersBefore, holdersByPath } from '../engine/target-holders.js';
import { preflightUninstall, uninstallLocked, type UninstallResult } from '../engine/uninstall-latest.js';
import { withTargetLock } from '../engine/with-target-lock.js';
import { checkStateDir } from '../records/state-dir.js';
import type { TxContext } from '../records/tx-context.js';

export type { UninstallResult } from '../engine/uninstall-latest.js';

/** What `uninstall --dry-run` reports: the transaction it would run, checked, and who holds its paths. */
export interface UninstallPlan {
  dryRun: true;
  target: string;
  product: string;
  removed: { packId: string; fromVersion: string; toVersion: string; txid: string };
  version: string;
  actions: (PlannedAction & { holders: Holder[] })[];
  holders: Holder[];
  uninspectable: Uninspectable[];
  restartNeeded: boolean;
}

export function uninstallLatest(ctx: TxContext, opts: CommitOptions = {}): UninstallResult {
  refuseUnmanaged(ctx);
  return withTargetLock(ctx, false, (recovered, rolledBack) => {
    // An abandoned health trial was just rolled back: that was the latest service pack, so it is the
    // one this uninstall removes; uninstalling again would remove the one before it too.
    if (rolledBack !== undefined) return { ...rolledBack, recovered };
    return uninstallLocked(ctx, opts, recovered);
  });
}

/** Checks that the latest service pack can be uninstalled and lists what that would do; changes nothing. */
export function planUninstallOnly(ctx: TxContext): UninstallPlan {
  refuseUnmanaged(ctx);
  checkStateDir(ctx);
  refuseIfPending(ctx, 'the dry run');
  const { state, last, record, reversed } = preflightUninstall(ctx);
  const { holders, uninspectable } = holdersBefore(ctx, reversed);
  const byPath = holdersByPath(holders);
  return {
    dryRun: true, target: ctx.layout.target, product: state.product,
    removed: { packId: last.packId, fromVersion: last.fromVersion, toVersion: last.toVersion, txid: last.txid },
    version: record.stateBefore.version, actions: summarize(reversed).map((a) => ({ ...a, holders: byPath.get(a.path) ?? [] })),
    holders, uninspectable, restartNeeded: holders.length > 0,
  };
}

function refuseUnmanaged(ctx: TxContext): void {
  requireTarget(ctx.layout.target);
  if (lstatOrNull(ctx.layout.dir) === null) {
    throw new ServicePackError('NOT_MANAGED', `${ctx.layout.target} has no servicepack state`, {
      hint: 'Nothing was ever installed there by servicepack, so there is nothing to uninstall.',
      details: { target: ctx.layout.target },
    });
  }
}
