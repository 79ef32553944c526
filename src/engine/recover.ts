// Recover: finish or roll back the transaction a journal describes. The rule (docs/journal.md): if the
// installed state names the journal's transaction, it committed and only clean-up remains (roll
// forward); otherwise every step is undone (roll back). Then clean-up removes what nothing needs (cleanup.ts).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ServicePackError, isServicePackError } from '../errors/index.js';
import { listOrEmpty, fsyncDir, lstatOrNull, unlinkIfExists } from '../fs/durable.js';
import { logEvent } from '../records/history-log.js';
import { readJournal, type Journal } from '../journal/journal.js';
import { cleanupLocked } from './cleanup.js';
import type { TxContext } from '../records/tx-context.js';
import { rollbackSteps } from './run-steps.js';
import { removeStateTree } from '../records/state-dir.js';
import { readState } from '../records/state-file.js';
import { trustDirOf } from '../records/trust-store.js';

export type RecoverOutcome =
  | { outcome: 'nothing-to-do' }
  | { outcome: 'rolled-back' | 'rolled-forward'; txid: string; kind: Journal['kind'] };

/** Recovery of the target in `ctx`, then clean-up (when `cleanUp`); the caller holds the lock. */
export function recoverLocked(ctx: TxContext, cleanUp = true): RecoverOutcome {
  const journal = readJournal(ctx.layout.journal);
  if (journal === null) {
    removeDeadWritersFiles(ctx);
    if (cleanUp) cleanupLocked(ctx);
    return { outcome: 'nothing-to-do' };
  }
  ctx.emit({ type: 'phase', phase: 'recover' });
  let outcome: 'rolled-back' | 'rolled-forward';
  try {
    outcome = settleJournal(ctx, journal);
  } catch (err) {
    // The journal is still there and the tree may be mixed: whatever failed, the answer is recover
    // (exit 4), never an error that reads as "rolled back, the target is the old version".
    throw recoveryNeeded(ctx, `the interrupted ${journal.kind} ${journal.txid} could not be settled`, err, err, journal);
  }
  removeDeadWritersFiles(ctx);
  ctx.emit({ type: 'recovered', txid: journal.txid, kind: journal.kind, outcome });
  // Logged only where something stays installed: a first install rolled back leaves no `.servicepack/`.
  if (lstatOrNull(ctx.layout.state) !== null) logEvent(ctx, { event: 'recover', outcome, txid: journal.txid, kind: journal.kind });
  if (cleanUp) cleanupLocked(ctx);
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
  const rels = committed ? journal.afterCommit : journal.afterRollback;
  for (const rel of rels) removeStateTree(ctx.layout, rel);
  const remove = rels.map((rel) => path.join(ctx.layout.dir, rel));
  if (!committed) {
    // A rolled-back pin (trust/<KEYID>.pub) must stay removed after a power cut: its directory is
    // synced before the journal goes. (Staging and backups left by a lost removal are only clutter.)
    for (const dir of new Set(remove.map((p) => path.dirname(p)))) if (dir !== ctx.layout.dir && fs.existsSync(dir)) fsyncDir(dir, ctx.platform);
  }
  unlinkIfExists(ctx.layout.journal);
  fsyncDir(ctx.layout.dir, ctx.platform);
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
    throw recoveryNeeded(ctx, 'the transaction failed and could not be rolled back', err, failure, journal);
  }
  throw failure;
}

/** RECOVERY_NEEDED (exit code 4) for a journal that settling could not finish because of `err`. */
export function recoveryNeeded(ctx: TxContext, what: string, err: unknown, cause: unknown, journal?: Journal): ServicePackError {
  return new ServicePackError('RECOVERY_NEEDED', `${what}: ${(err as Error).message}`, {
    hint: 'Fix the cause (free space, permissions, read-only mount, an immutable file), then run `servicepack recover --target <dir>`.',
    details: {
      target: ctx.layout.target, reason: isServicePackError(err) ? `${err.code}: ${err.message}` : String(err),
      ...(journal === undefined ? {} : { txid: journal.txid, kind: journal.kind }),
    },
    cause,
  });
}

/**
 * What a process killed outside a journaled transaction leaves besides staging and backups (those are
 * clean-up's, which keeps files a process holds): temp files of atomic writes (also of pinned keys) and
 * lock files of dead processes.
 */
function removeDeadWritersFiles(ctx: TxContext): void {
  const { layout } = ctx;
  const history = (readState(layout)?.history ?? []).map((h) => h.txid);
  for (const dir of [layout.dir, trustDirOf(layout), ...history.map((t) => path.join(layout.backup, t))]) {
    for (const name of listOrEmpty(dir)) {
      const pid = orphanPid(name);
      if (pid !== null && pid !== process.pid && ctx.platform.processStartToken(pid) === null) unlinkIfExists(path.join(dir, name));
    }
  }
}

/** The writer's pid of a temp file (`.x.tmp-PID`) or a lock candidate (`lock.PID`, `lock.stale-PID`). */
function orphanPid(name: string): number | null {
  const m = /^(?:\..+\.tmp-|lock\.(?:stale-)?)(\d+)$/.exec(name);
  return m === null ? null : Number(m[1]);
}
