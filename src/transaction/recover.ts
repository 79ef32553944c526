// Recover: finish or roll back the transaction a journal describes. The rule (docs/journal.md): if the
// installed state names the journal's transaction, it committed and only clean-up remains (roll
// forward); otherwise every step is undone (roll back). Orphans of an unjournaled crash are removed.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ServicePackError, hasErrno, isServicePackError } from '../errors/index.js';
import { fsyncDir, removeAtomicTemps, removeTree, unlinkIfExists } from '../fs/durable.js';
import { readJournal, type Journal } from '../journal/journal.js';
import type { TxContext } from './tx-context.js';
import { rollbackSteps } from './run-steps.js';
import { readState } from './state-file.js';

export type RecoverOutcome =
  | { outcome: 'nothing-to-do' }
  | { outcome: 'rolled-back' | 'rolled-forward'; txid: string; kind: Journal['kind'] };

/** Recovery of the target in `ctx`; the caller holds the lock. */
export function recoverLocked(ctx: TxContext): RecoverOutcome {
  // A process killed inside an atomic write leaves its temp file; the lock we hold makes it garbage.
  removeAtomicTemps(ctx.layout.dir);
  const journal = readJournal(ctx.layout.journal);
  if (journal === null) {
    removeOrphans(ctx);
    return { outcome: 'nothing-to-do' };
  }
  ctx.emit({ type: 'phase', phase: 'recover' });
  const outcome = settleJournal(ctx, journal);
  ctx.emit({ type: 'recovered', txid: journal.txid, kind: journal.kind, outcome });
  return { outcome, txid: journal.txid, kind: journal.kind };
}

/** Rolls the journal's transaction forward or back, then removes the journal. */
export function settleJournal(ctx: TxContext, journal: Journal): 'rolled-back' | 'rolled-forward' {
  const committed = readState(ctx.layout)?.lastTransaction === journal.txid;
  if (!committed) {
    ctx.emit({ type: 'phase', phase: 'roll-back' });
    rollbackSteps(ctx.layout, journal.steps, ctx.platform);
  }
  ctx.emit({ type: 'phase', phase: 'clean-up' });
  for (const rel of committed ? journal.afterCommit : journal.afterRollback) removeTree(path.join(ctx.layout.dir, rel));
  unlinkIfExists(ctx.layout.journal);
  fsyncDir(ctx.layout.dir);
  // Now: no journal; the target is the complete old tree (rolled back) or the complete new tree.
  return committed ? 'rolled-forward' : 'rolled-back';
}

/**
 * Settles after a failure inside a transaction: roll back (or forward, if the commit point was passed).
 * A failure of the settlement itself leaves the journal for `recover` and is reported as RECOVERY_NEEDED.
 */
export function settleAfterFailure(ctx: TxContext, journal: Journal, failure: unknown): never {
  try {
    settleJournal(ctx, journal);
  } catch (err) {
    throw recoveryNeeded(ctx, 'the transaction failed and could not be rolled back', err, failure);
  }
  throw failure;
}

/** RECOVERY_NEEDED (exit code 4) for a journal that settling could not finish because of `err`. */
export function recoveryNeeded(ctx: TxContext, what: string, err: unknown, cause: unknown): ServicePackError {
  return new ServicePackError('RECOVERY_NEEDED', `${what}: ${(err as Error).message}`, {
    hint: 'Fix the cause (free space, permissions, read-only mount), then run `servicepack recover --target <dir>`.',
    details: { target: ctx.layout.target, reason: isServicePackError(err) ? `${err.code}: ${err.message}` : String(err) },
    cause,
  });
}

/** Staging and backup directories that no journal and no installed service pack refers to. */
function removeOrphans(ctx: TxContext): void {
  const keep = new Set((readState(ctx.layout)?.history ?? []).map((h) => h.txid));
  for (const dir of [ctx.layout.staging, ctx.layout.backup]) {
    for (const name of listOrEmpty(dir)) if (!keep.has(name) || dir === ctx.layout.staging) removeTree(path.join(dir, name));
  }
}

function listOrEmpty(dir: string): string[] {
  try {
    return fs.readdirSync(dir);
  } catch (err) {
    if (hasErrno(err, 'ENOENT')) return [];
    throw err;
  }
}
