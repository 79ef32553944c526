// The health trial of an install (docs/health.md): after the commit, the post hook and the unit
// restarts, every check must keep passing for the window before the deadline. Confirmed, the trial
// record goes and the install ends as usual; otherwise the pack is rolled back with the uninstall
// machinery, the checks run once against the version put back, and HEALTH_FAILED says what failed.
// Synchronous like the transaction: checks are child processes with timeouts, waits block the thread.
import { performance } from 'node:perf_hooks';
import { ServicePackError, interruptedError, type HealthCheckResult } from '../errors/index.js';
import { CHECK_TIMEOUT_MS, describeCheck, type HealthTiming } from '../format/health.js';
import { readState } from '../records/state-file.js';
import { removeTrialRecord, type TrialRecord } from '../records/trial-record.js';
import type { TxContext } from '../records/tx-context.js';
import type { CommitOptions } from './finish-committed.js';
import { runCheck, type CheckEnv } from './health-probes.js';
import { recoveryNeeded } from './recover.js';
import type { TrialEnd } from './run-hook.js';
import { uninstallLocked, type UninstallResult } from './uninstall-latest.js';

/** A confirmed trial, in the install's result. */
export interface TrialResult {
  outcome: 'confirmed';
  /** What was checked. */
  checks: string[];
  timing: HealthTiming;
  /** Rounds of checks run (each runs every check once). */
  rounds: number;
  /** The last result of each check. */
  results: HealthCheckResult[];
  /** When the window was complete, in milliseconds since the trial began. */
  confirmedAtMs: number;
}

/** An install on trial that was rolled back, and how the version put back fared. */
export interface TrialRollBack {
  uninstalled: UninstallResult;
  afterRollBack: HealthCheckResult[];
}

/** Blocks the thread for `ms`, looking at requested stops every 100 ms (null: not stopped). */
function pause(ms: number, stop: () => string | null): string | null {
  const cell = new Int32Array(new SharedArrayBuffer(4));
  const end = performance.now() + ms;
  for (let left = ms; left > 0; left = end - performance.now()) {
    const signal = stop();
    if (signal !== null) return signal;
    Atomics.wait(cell, 0, 0, Math.min(left, 100));
  }
  return stop();
}

/**
 * Runs the trial of the committed install `record` names; the caller holds the lock and the record is
 * durable. Returns the confirmed trial, or rolls the install back and throws HEALTH_FAILED (INTERRUPTED
 * when a signal stopped it: unconfirmed is not healthy).
 */
export function runTrial(ctx: TxContext, record: TrialRecord, product: string, opts: CommitOptions): TrialResult {
  const { health } = record;
  const stop = () => ctx.stopRequested?.() ?? null;
  const start = performance.now();
  const elapsed = () => performance.now() - start;
  const env: CheckEnv = { phase: 'trial', product, version: record.toVersion, txid: record.txid };
  ctx.emit({ type: 'phase', phase: 'trial' });
  ctx.emit({ type: 'trial', outcome: 'started', txid: record.txid });
  const last = new Map<string, HealthCheckResult>();
  const stopped = (signal: string): never => {
    ctx.emit({ type: 'trial', outcome: 'interrupted', txid: record.txid, reason: signal });
    rollBackTrial(ctx, record, product, { opts, why: 'interrupted' });
    throw interruptedError(signal);
  };
  let signal = pause(health.delayMs, stop);
  if (signal !== null) stopped(signal);
  let streakStart: number | null = null;
  let rounds = 0;
  for (;;) {
    const roundStart = elapsed();
    let roundOk = true;
    for (const check of health.checks) {
      const left = health.deadlineMs - elapsed();
      if (left <= 0) return failed(ctx, record, product, { opts, last, deadline: true });
      const r = runCheck(ctx, check, env, { timeoutMs: Math.min(CHECK_TIMEOUT_MS, left), atMs: elapsed() });
      last.set(r.check, r);
      ctx.emit({ type: 'health-check', phase: 'trial', ...r });
      roundOk &&= r.ok;
      signal = stop();
      if (signal !== null) stopped(signal);
    }
    rounds++;
    const now = elapsed();
    // A round that ended after the deadline (its last check was cut by it) confirms nothing.
    if (now > health.deadlineMs) return failed(ctx, record, product, { opts, last, deadline: true });
    if (roundOk) {
      streakStart ??= roundStart;
      if (now - streakStart >= health.windowMs) {
        removeTrialRecord(ctx.layout, ctx.platform);
        // Now: the install is confirmed; no later crash or command rolls it back.
        ctx.emit({ type: 'trial', outcome: 'confirmed', txid: record.txid });
        return {
          outcome: 'confirmed', checks: health.checks.map(describeCheck), timing: timingOf(record), rounds,
          results: health.checks.map((c) => last.get(describeCheck(c))!), confirmedAtMs: Math.round(now),
        };
      }
    } else streakStart = null;
    // The window can still fit before the deadline only if it started (or starts next round) early enough.
    const nextStart = roundStart + health.periodMs;
    if ((streakStart ?? nextStart) + health.windowMs > health.deadlineMs) return failed(ctx, record, product, { opts, last, deadline: roundOk });
    signal = pause(nextStart - elapsed(), stop);
    if (signal !== null) stopped(signal);
  }
}

const timingOf = (r: TrialRecord): HealthTiming => ({ delayMs: r.health.delayMs, periodMs: r.health.periodMs, windowMs: r.health.windowMs, deadlineMs: r.health.deadlineMs });

/** Rolls the failed trial back and throws HEALTH_FAILED with what failed and how the old version fares. */
function failed(ctx: TxContext, record: TrialRecord, product: string, how: { opts: CommitOptions; last: Map<string, HealthCheckResult>; deadline: boolean }): never {
  const results = [...how.last.values()];
  const bad = results.filter((r) => !r.ok);
  const why = how.deadline && bad.length === 0
    ? `the health checks did not pass for ${record.health.windowMs} ms before the deadline of ${record.health.deadlineMs} ms`
    : `health check ${bad.map((r) => `${r.check} failed (${r.reason})`).join('; ') || 'did not pass before the deadline'}`;
  ctx.emit({ type: 'trial', outcome: 'failed', txid: record.txid, reason: why });
  const { uninstalled, afterRollBack } = rollBackTrial(ctx, record, product, { opts: how.opts, why: 'failed' });
  const oldOk = afterRollBack.every((r) => r.ok);
  throw new ServicePackError('HEALTH_FAILED', `${why}; the service pack was rolled back: the target is ${product} ${uninstalled.version} again (its checks ${oldOk ? 'pass' : 'fail too'})`, {
    hint: oldOk
      ? 'The new version does not pass the checks the previous one passes: see details.failed for what failed and why, fix the application or its configuration, then install again.'
      : 'The previous version fails the same checks (details.afterRollBack): the checks or the environment may be at fault rather than the pack. Check them, then install again.',
    details: {
      target: ctx.layout.target, txid: record.txid, failedVersion: record.toVersion, version: uninstalled.version,
      deadline: how.deadline, failed: results, afterRollBack, rollBackTxid: uninstalled.txid,
    },
  });
}

/**
 * Rolls back the install on trial (the caller holds the lock; the state names it): uninstall with its
 * hooks told why, then the trial record goes, then the checks run against the version put back
 * (checkRestored). A roll-back that cannot run leaves the record for `recover`
 * (RECOVERY_NEEDED): the target is still the new version, whose trial was never confirmed.
 */
export function rollBackTrial(ctx: TxContext, record: TrialRecord, product: string, how: { opts: CommitOptions; why: TrialEnd }): TrialRollBack {
  let uninstalled: UninstallResult;
  // Putting the previous version back is not cut short by a signal (the one that stopped the trial is
  // still pending): like recover, it runs to its end.
  const { stopRequested: _, ...unstoppable } = ctx;
  try {
    uninstalled = uninstallLocked(unstoppable, how.opts, { outcome: 'nothing-to-do' }, how.why);
  } catch (err) {
    if (err instanceof ServicePackError && err.code === 'RECOVERY_NEEDED') throw err;
    throw recoveryNeeded(ctx, `the install ${record.txid} failed its health trial and could not be rolled back`, err, err);
  }
  removeTrialRecord(ctx.layout, ctx.platform);
  // Now: the previous version is installed and nothing is on trial.
  return { uninstalled, afterRollBack: checkRestored(ctx, record, { phase: 'after-roll-back', product, version: uninstalled.version, txid: uninstalled.txid }) };
}

/**
 * The checks against the version put back: after the delay its start needs, rounds every period until
 * one round passes or the window's length has gone by; the last round is the answer.
 */
function checkRestored(ctx: TxContext, record: TrialRecord, env: CheckEnv): HealthCheckResult[] {
  const { health } = record;
  pause(health.delayMs, () => null);
  const start = performance.now();
  for (;;) {
    const roundStart = performance.now() - start;
    const round = health.checks.map((check) => {
      const r = runCheck(ctx, check, env, { timeoutMs: CHECK_TIMEOUT_MS, atMs: performance.now() - start });
      ctx.emit({ type: 'health-check', phase: 'after-roll-back', ...r });
      return r;
    });
    if (round.every((r) => r.ok) || roundStart + health.periodMs > health.windowMs) return round;
    pause(roundStart + health.periodMs - (performance.now() - start), () => null);
  }
}

/** What the next command found and did about an install on trial that nobody was running. */
export interface TrialSettlement {
  /** The install that was on trial. */
  txid: string;
  outcome: 'rolled-back';
  /** The uninstall that rolled it back, and the version put back. */
  rollBackTxid: string;
  version: string;
  afterRollBack: HealthCheckResult[];
}

/**
 * Settles a trial record under the lock, after any journal was settled: a record naming the last
 * installed pack is a trial whose process died (or whose roll-back failed), so the pack is rolled back;
 * any other record is left from a transaction that never committed, or one already rolled back.
 */
export function settleTrialLocked(ctx: TxContext, record: TrialRecord | null): { settlement: TrialSettlement; uninstalled: UninstallResult } | undefined {
  if (record === null) return undefined;
  const state = readState(ctx.layout);
  if (state?.history.at(-1)?.txid !== record.txid) {
    removeTrialRecord(ctx.layout, ctx.platform);
    return undefined;
  }
  ctx.emit({ type: 'trial', outcome: 'abandoned', txid: record.txid, reason: 'the install was never confirmed by its health checks' });
  const { uninstalled, afterRollBack } = rollBackTrial(ctx, record, state.product, { opts: {}, why: 'abandoned' });
  return {
    settlement: { txid: record.txid, outcome: 'rolled-back', rollBackTxid: uninstalled.txid, version: uninstalled.version, afterRollBack },
    uninstalled,
  };
}
