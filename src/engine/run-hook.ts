// Runs a pack's pre or post hook through the Platform: no shell, cwd = the target, and SERVICEPACK_*
// variables saying what is happening. A failed pre hook stops the transaction (HOOK_FAILED) before any
// file of the target changes; a failed post hook is reported, because the commit already happened.
import { ServicePackError } from '../errors/index.js';
import type { PackHooks } from '../format/manifest.js';
import type { TxContext } from '../records/tx-context.js';

export const HOOK_TIMEOUT_MS = 5 * 60_000;

export interface HookOutcome {
  phase: 'pre' | 'post';
  argv: string[];
  ok: boolean;
  exitCode: number | null;
  signal: string | null;
  /** Why it could not run (not found, timed out). */
  error?: string;
  /** The last 4 KiB of its output. */
  output: string;
}

export interface HookInfo {
  kind: 'install' | 'uninstall';
  product: string;
  fromVersion: string;
  toVersion: string;
  txid: string;
  /** For the post hook: whether the transaction committed or was rolled back. */
  outcome?: 'committed' | 'rolled-back';
  /** For an uninstall that rolls back an install on trial: why (docs/health.md). */
  trial?: TrialEnd;
}

/**
 * Why a health trial ended without confirming its install: its checks failed (or the deadline passed),
 * its process died (found by the next command), or a signal stopped it.
 */
export type TrialEnd = 'failed' | 'abandoned' | 'interrupted';

/** Runs the hook of `phase`, if the pack has one; returns its outcome (undefined when there is none). */
export function runHook(ctx: TxContext, hooks: PackHooks | undefined, phase: 'pre' | 'post', info: HookInfo): HookOutcome | undefined {
  const argv = hooks?.[phase];
  if (argv === undefined) return undefined;
  const env: Record<string, string> = {
    SERVICEPACK_TARGET: ctx.layout.target,
    SERVICEPACK_HOOK: phase,
    SERVICEPACK_KIND: info.kind,
    SERVICEPACK_PRODUCT: info.product,
    SERVICEPACK_FROM_VERSION: info.fromVersion,
    SERVICEPACK_TO_VERSION: info.toVersion,
    SERVICEPACK_TXID: info.txid,
    ...(info.outcome === undefined ? {} : { SERVICEPACK_OUTCOME: info.outcome }),
    ...(info.trial === undefined ? {} : { SERVICEPACK_TRIAL: info.trial }),
  };
  const r = ctx.platform.runCommand(argv, { cwd: ctx.layout.target, env, timeoutMs: HOOK_TIMEOUT_MS });
  const out: HookOutcome = { phase, argv: r.argv, ok: r.exitCode === 0 && r.error === undefined, exitCode: r.exitCode, signal: r.signal, output: r.output };
  if (r.error !== undefined) out.error = r.error;
  ctx.emit({ type: 'hook', phase, argv: out.argv, ok: out.ok });
  if (!out.ok && phase === 'post') ctx.emit({ type: 'warning', code: 'HOOK_FAILED', message: `the post hook ${JSON.stringify(argv)} failed: ${describe(out)}` });
  return out;
}

/** The HOOK_FAILED error for a failed pre hook. */
export function preHookFailed(o: HookOutcome): ServicePackError<'HOOK_FAILED'> {
  return new ServicePackError('HOOK_FAILED', `the pre hook ${JSON.stringify(o.argv)} failed (${describe(o)}); nothing was changed`, {
    hint: 'Run the command by hand in the target directory to see why, fix it, then run the command again.',
    details: { phase: 'pre', argv: o.argv, exitCode: o.exitCode, signal: o.signal, output: o.output },
  });
}

function describe(o: HookOutcome): string {
  return o.error ?? (o.signal !== null ? `killed by ${o.signal}` : `exit status ${o.exitCode}`);
}
