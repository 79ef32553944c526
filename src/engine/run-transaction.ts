// The transaction skeleton shared by install and uninstall:
// prepare (stage) -> journal -> commit steps -> record state (point of no return) -> clean up.
import { interruptedError } from '../errors/index.js';
import { writeJournal, type Journal } from '../journal/journal.js';
import type { TxContext } from '../records/tx-context.js';
import { commitSteps } from './run-steps.js';
import { oldNodeGuard, type OldNode } from './old-node-guard.js';
import { recoveryNeeded, settleAfterFailure, settleJournal } from './recover.js';
import { removeStateTree } from '../records/state-dir.js';
import { writeState, type InstalledState } from '../records/state-file.js';

export interface TransactionSpec {
  journal: Journal;
  /** Creates everything the steps need under `.servicepack/` (staged files, backup dirs), durably. */
  prepare(): void;
  /** The installed state once the steps are done; writing it is the commit point. */
  nextState: InstalledState;
  /**
   * Changes under `.servicepack/` that belong to the transaction (install's key pin): run once the
   * journal is durable, before the first step; the journal's afterRollback lists what they create.
   */
  afterJournal?(): void;
  /**
   * The old nodes the steps set aside, by path, as the preflight read them: each is confirmed unchanged
   * right before it is set aside (old-node-guard.ts).
   */
  olds: ReadonlyMap<string, OldNode>;
}

/** Up to the point of no return, a requested stop rolls the transaction back (INTERRUPTED). */
function checkStop(ctx: TxContext): void {
  const signal = ctx.stopRequested?.() ?? null;
  if (signal !== null) throw interruptedError(signal);
}

export function runTransaction(ctx: TxContext, spec: TransactionSpec): void {
  const { journal } = spec;
  try {
    checkStop(ctx);
    ctx.emit({ type: 'phase', phase: 'stage' });
    spec.prepare();
    // The pre hook ran last in prepare: a signal sent while it ran (stopping a service) is seen here.
    checkStop(ctx);
  } catch (err) {
    // Nothing in the target changed yet: drop what was staged.
    for (const rel of journal.afterRollback) removeStateTree(ctx.layout, rel);
    throw err;
  }
  try {
    writeJournal(ctx.layout.journal, journal, ctx.platform);
    // Now: the journal durably lists every step; from here a crash is undone by `recover`.
    spec.afterJournal?.();
    ctx.emit({ type: 'phase', phase: 'commit' });
    commitSteps(ctx.layout, journal.steps, ctx.platform, {
      old: oldNodeGuard(ctx.layout, spec.olds),
      onStep: (s, n, total) => {
        ctx.emit({ type: 'step', op: s.op, path: s.path, done: n + 1, total });
        checkStop(ctx);
      },
    });
    checkStop(ctx);
    ctx.emit({ type: 'phase', phase: 'record' });
    writeState(ctx.layout, { ...spec.nextState, lastTransaction: journal.txid }, ctx.platform);
    // POINT OF NO RETURN: the state names this transaction; recovery now rolls forward.
  } catch (err) {
    settleAfterFailure(ctx, journal, err);
  }
  try {
    settleJournal(ctx, journal);
  } catch (err) {
    // Committed, but the clean-up failed: the journal stays so that `recover` finishes it.
    throw recoveryNeeded(ctx, 'the service pack is installed but its clean-up failed', err, err);
  }
}
