// uninstall: put back the state before the most recently installed service pack, from its set-aside
// files, as one transaction with the same guarantees as install (src/engine/uninstall-latest.ts).
import type { CommitOptions } from '../engine/finish-committed.js';
import { requireTarget } from '../engine/require-target.js';
import { uninstallLocked, type UninstallResult } from '../engine/uninstall-latest.js';
import { withTargetLock } from '../engine/with-target-lock.js';
import type { TxContext } from '../records/tx-context.js';

export type { UninstallResult } from '../engine/uninstall-latest.js';

export function uninstallLatest(ctx: TxContext, opts: CommitOptions = {}): UninstallResult {
  requireTarget(ctx.layout.target);
  return withTargetLock(ctx, false, (recovered, rolledBack) => {
    // An abandoned health trial was just rolled back: that was the latest service pack, so it is the
    // one this uninstall removes; uninstalling again would remove the one before it too.
    if (rolledBack !== undefined) return { ...rolledBack, recovered };
    return uninstallLocked(ctx, opts, recovered);
  });
}
