// The one place install and uninstall hand their transaction to: the pre hook once everything is
// staged, the transaction, and what follows a commit — the post hook, the report of processes still
// running old code, the optional unit restarts, and the clean-up. Runs under the target lock; nothing
// after the commit can undo it, so failures there are reported, not thrown.
import type { PackHooks } from '../format/manifest.js';
import type { Uninspectable } from '../inuse/holder.js';
import { cleanupLocked, type CleanupResult } from './cleanup.js';
import { restartUnits, type UnitRestartReport } from './restart-units.js';
import { preHookFailed, runHook, type HookInfo, type HookOutcome } from './run-hook.js';
import { staleAfter, type StaleProcess } from './target-holders.js';
import type { TxContext } from '../records/tx-context.js';
import { runTransaction, type TransactionSpec } from './run-transaction.js';
import { logEvent, type HistoryHook } from '../records/history-log.js';

/** The fields a committed install or uninstall adds to its result. */
export interface AfterCommit {
  /** Processes that still run the old version (they hold set-aside files, or started from the target before the commit). */
  staleProcesses: StaleProcess[];
  /** True when some process runs the old version (executes, maps or has open a set-aside file): restart it (CLI exit code 3). */
  restartNeeded: boolean;
  /**
   * True when some process may need a restart without holding an old file: its executable, cwd or root
   * is in the target and it started before the commit. Reported; CLI exit code 0.
   */
  restartAdvised: boolean;
  /** Processes that could not be inspected (permission): they may run old code too. */
  uninspectable: Uninspectable[];
  /** The hooks that ran, in order. */
  hooks: HookOutcome[];
  /** Present when unit restarts were asked for. */
  unitRestarts?: UnitRestartReport;
  cleanup: CleanupResult;
}

export interface CommitOptions {
  restartUnits?: boolean;
}

/**
 * The `prepare` extension that runs the pre hook once everything is staged (so the application is
 * stopped only for the commit itself), and the wrapper that starts it again if the commit never happens.
 */
function hookedTransaction(ctx: TxContext, hooks: PackHooks | undefined, info: HookInfo) {
  const ran: HookOutcome[] = [];
  return {
    ran,
    preHook(): void {
      const pre = runHook(ctx, hooks, 'pre', info);
      if (pre === undefined) return;
      ran.push(pre);
      if (!pre.ok) throw preHookFailed(pre);
      // Now: the application is stopped (if the hook does that); the target is still unchanged.
    },
    run(transaction: () => void): void {
      try {
        transaction();
      } catch (err) {
        if (ran.length > 0) runHook(ctx, hooks, 'post', { ...info, outcome: 'rolled-back' });
        throw err;
      }
    },
  };
}

/** A hook outcome as the history log keeps it: the output only of a failed hook. */
function historyHook(h: HookOutcome): HistoryHook {
  const { output, ...rest } = h;
  return h.ok ? rest : { ...rest, output };
}

function finishCommitted(ctx: TxContext, hooks: PackHooks | undefined, info: HookInfo & { packId?: string }, ran: HookOutcome[], opts: CommitOptions): AfterCommit {
  const commitTime = ctx.platform.now();
  const post = runHook(ctx, hooks, 'post', { ...info, outcome: 'committed' });
  if (post !== undefined) ran.push(post);
  let stale = staleAfter(ctx, info.txid, commitTime);
  let unitRestarts: UnitRestartReport | undefined;
  if (opts.restartUnits === true) {
    unitRestarts = restartUnits(ctx, stale.staleProcesses);
    if (unitRestarts.units.some((u) => u.outcome === 'restarted')) stale = staleAfter(ctx, info.txid, commitTime);
  }
  const cleanup = cleanupLocked(ctx);
  logEvent(ctx, {
    event: info.kind, outcome: 'committed', txid: info.txid, product: info.product, fromVersion: info.fromVersion, toVersion: info.toVersion,
    ...(info.packId === undefined ? {} : { packId: info.packId }),
    ...(ran.length === 0 ? {} : { hooks: ran.map(historyHook) }),
    restartNeeded: stale.staleProcesses.some((p) => p.runsOldVersion),
  });
  return {
    staleProcesses: stale.staleProcesses,
    restartNeeded: stale.staleProcesses.some((p) => p.runsOldVersion),
    restartAdvised: stale.staleProcesses.some((p) => !p.runsOldVersion),
    uninspectable: stale.uninspectable,
    hooks: ran,
    ...(unitRestarts === undefined ? {} : { unitRestarts }),
    cleanup,
  };
}

/**
 * Runs a transaction with the pack's hooks around it: `spec.prepare` stages, then the pre hook runs;
 * a failure before the commit runs the post hook with outcome `rolled-back` and rethrows; after the
 * commit comes everything in {@link AfterCommit}.
 */
export function commitWithHooks(ctx: TxContext, hooks: PackHooks | undefined, info: HookInfo & { packId?: string }, opts: CommitOptions, spec: TransactionSpec): AfterCommit {
  const hooked = hookedTransaction(ctx, hooks, info);
  hooked.run(() => runTransaction(ctx, {
    ...spec,
    prepare: () => {
      spec.prepare();
      hooked.preHook();
    },
  }));
  return finishCommitted(ctx, hooks, info, hooked.ran, opts);
}
