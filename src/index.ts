/**
 * servicepack — build service packs from two release trees and install them onto running
 * installations as one crash-safe transaction, never stopped by files in use.
 *
 * Every function that touches files returns a Promise and runs its work on a worker thread of its own
 * (the caller's event loop stays free); `…Sync` variants run on the calling thread. Option names are
 * the command line's flags in camelCase (`--trusted-key` → `trustedKey`, `--no-delta` → `delta: false`);
 * an unknown option is a USAGE error. Every failure users can cause is a {@link ServicePackError} with a
 * stable `code`.
 *
 * @example Build, install, undo (test/docs-examples.test.ts compiles and runs this)
 * ```ts
 * import { build, install, keygen, status, uninstall } from 'servicepack';
 *
 * const key = await keygen({ out: 'vendor' });                                   // vendor.key, vendor.pub
 * await build({ oldDir: 'release-5.5', newDir: 'release-sp4', out: 'sp4.svp', product: 'exchange',
 *   fromVersion: '5.5', toVersion: 'SP4', sign: key.secretKeyFile });
 * const plan = await install('sp4.svp', { target: 'exchange', trustedKey: key.publicKeyFile, dryRun: true }); // changes nothing
 * const done = await install('sp4.svp', { target: 'exchange', trustedKey: key.publicKeyFile });              // one transaction
 * console.log(plan.actions.length, done.restartNeeded, (await status({ target: 'exchange' })).version);  // … false SP4
 * await uninstall({ target: 'exchange' });                                       // back to 5.5
 * ```
 */
import type { BuildResult } from './build/index.js';
import { ServicePackError, explainArticles, errorSummaries, type ErrorCode, type ExplainArticle } from './errors/index.js';
import type { PackSummary } from './format/index.js';
import { selectPlatform, type Platform, type StopSignals } from './platform/index.js';
import type { KeyPairFiles } from './signing/index.js';
import type { TrustResult } from './operations/trust-target.js';
import type { InstallPlan, InstallResult } from './operations/install.js';
import type { RecoverResult } from './operations/recover-target.js';
import type { CleanupTargetResult } from './operations/cleanup-target.js';
import type { HoldersResult } from './operations/list-holders.js';
import type { StatusResult } from './operations/status.js';
import type { UninstallResult } from './operations/uninstall.js';
import type { VerifyResult } from './operations/verify-target.js';
import { buildCall, type BuildCallOptions } from './library/build-call.js';
import { runOperation } from './library/operation-table.js';
import { runInWorker } from './library/run-in-worker.js';
import type { CallOptions, HoldersOptions, InstallOptions, KeygenOptions, LateStop, TargetOptions, TransactionOptions, TrustCallOptions } from './library/api-types.js';

export { ServicePackError, isServicePackError, interruptedError, errorSummaries, explainArticles } from './errors/index.js';
export type { ErrorCode, ErrorDetails, ExplainArticle, Mismatch } from './errors/index.js';
export type { BuildResult, BuildEvent, BuildWarning } from './build/index.js';
export type { BuildCallOptions as BuildOptions } from './library/build-call.js';
export type { CallOptions, TargetOptions, TransactionOptions, InstallOptions, TrustCallOptions, HoldersOptions, KeygenOptions, LateStop, PlatformName } from './library/api-types.js';
export { trackProgress, type TrackedCall } from './library/track-progress.js';
export type { PackSummary, PackSummaryEntry, Manifest, ManifestEntry, PackHooks, TreeNode } from './format/index.js';
export type { Platform, HoldKind, Uninspectable, StopSignals } from './platform/index.js';
export type { Holder } from './inuse/holder.js';
export type { HoldersResult } from './operations/list-holders.js';
export type { CleanupResult } from './engine/cleanup.js';
export type { CleanupTargetResult } from './operations/cleanup-target.js';
export type { StaleProcess } from './engine/target-holders.js';
export type { AfterCommit } from './engine/finish-committed.js';
export type { HookOutcome } from './engine/run-hook.js';
export type { UnitRestart, UnitRestartReport } from './engine/restart-units.js';
export type { ProgressEvent, EventSink, Phase } from './records/events.js';
export type { InstallPlan, InstallResult } from './operations/install.js';
export type { PackTrust, KeyPairFiles } from './signing/index.js';
export type { TrustChanges, TrustResult } from './operations/trust-target.js';
export type { PlannedAction } from './engine/plan-summary.js';
export type { UninstallResult } from './operations/uninstall.js';
export type { RecoverResult } from './operations/recover-target.js';
export type { RecoverOutcome } from './engine/recover.js';
export type { StatusResult } from './operations/status.js';
export type { AttributeDifference, VerifyResult } from './operations/verify-target.js';
export type { HistoryEntry } from './records/state-file.js';
export { runDemo } from './demo/run-demo.js';
import { runWindowsDemo as runWindowsDemoOn, type WindowsDemoResult } from './demo/run-demo-windows.js';
export type { WindowsDemoResult } from './demo/run-demo-windows.js';
export type { DemoOptions, DemoResult } from './demo/run-demo.js';

/**
 * Synchronous SIGINT/SIGTERM handling for a command line around this library (see StopSignals), or
 * null where the platform has none. Pass `watchStopSignals: true` to let a transaction stop for them.
 */
export function stopSignals(platform: Platform = selectPlatform()): StopSignals | null {
  return platform.stopSignals?.() ?? null;
}

/** Sync variants: the stop request is `signal` (if aborted meanwhile) or `stopRequested`. */
function syncEnv(o: CallOptions | undefined): { platform?: Platform; stopRequested?: () => string | null } {
  const platform = typeof o?.platform === 'object' ? o.platform : undefined;
  const { signal, stopRequested } = o ?? {};
  const stop = signal === undefined ? stopRequested : () => (signal.aborted ? 'AbortSignal' : stopRequested?.() ?? null);
  return { ...(platform === undefined ? {} : { platform }), ...(stop === undefined ? {} : { stopRequested: stop }) };
}

/**
 * Builds a pack from two release trees, encoding files on worker threads. Same inputs give a
 * byte-identical pack, whatever the thread count.
 */
export function build(options: BuildCallOptions): Promise<BuildResult> {
  return buildCall(options);
}

/** Reads a pack's header and manifest (not its payload) and summarises it. */
export function inspect(packPath: string, options: CallOptions = {}): Promise<PackSummary> {
  return runInWorker('inspect', [packPath, options]) as Promise<PackSummary>;
}
export function inspectSync(packPath: string, options: CallOptions = {}): PackSummary {
  return runOperation('inspect', [packPath, options], syncEnv(options)) as PackSummary;
}

/**
 * Installs `packPath` into `options.target` as one transaction, or with `dryRun` verifies the pack,
 * runs the preflight and returns the plan (with the holders of each path) without changing anything.
 * The result names the processes that still run old code; `restartNeeded` says whether there are any.
 */
export function install(packPath: string, options: InstallOptions & { dryRun: true }): Promise<InstallPlan>;
export function install(packPath: string, options: InstallOptions & { dryRun?: false }): Promise<InstallResult & LateStop>;
export function install(packPath: string, options: InstallOptions): Promise<InstallPlan | (InstallResult & LateStop)>;
export function install(packPath: string, options: InstallOptions): Promise<InstallPlan | (InstallResult & LateStop)> {
  return runInWorker('install', [packPath, options]) as Promise<InstallPlan | InstallResult>;
}
export function installSync(packPath: string, options: InstallOptions & { dryRun: true }): InstallPlan;
export function installSync(packPath: string, options: InstallOptions & { dryRun?: false }): InstallResult & LateStop;
export function installSync(packPath: string, options: InstallOptions): InstallPlan | (InstallResult & LateStop);
export function installSync(packPath: string, options: InstallOptions): InstallPlan | (InstallResult & LateStop) {
  return runOperation('install', [packPath, options], syncEnv(options)) as InstallPlan | InstallResult;
}

/** Writes a new minisign-compatible key pair: `<out>.key` (secret, mode 0600, unencrypted) and `<out>.pub`. */
export function keygen(options: KeygenOptions): Promise<KeyPairFiles> {
  return runInWorker('keygen', [options]) as Promise<KeyPairFiles>;
}
export function keygenSync(options: KeygenOptions): KeyPairFiles {
  return runOperation('keygen', [options], syncEnv(options)) as KeyPairFiles;
}

/** Lists the keys pinned for a target, after pinning `add` (public key files) and unpinning `remove` (key ids). */
export function trust(options: TrustCallOptions): Promise<TrustResult & LateStop> {
  return runInWorker('trust', [options]) as Promise<TrustResult>;
}
export function trustSync(options: TrustCallOptions): TrustResult & LateStop {
  return runOperation('trust', [options], syncEnv(options)) as TrustResult;
}

/** Removes the most recently installed service pack, restoring the files it set aside. */
export function uninstall(options: TransactionOptions): Promise<UninstallResult & LateStop> {
  return runInWorker('uninstall', [options]) as Promise<UninstallResult>;
}
export function uninstallSync(options: TransactionOptions): UninstallResult & LateStop {
  return runOperation('uninstall', [options], syncEnv(options)) as UninstallResult;
}

/**
 * The processes holding the target's files and directories (or only `paths` and what is under them),
 * matched by device and inode; set-aside files under `.servicepack/backup/` are included. Reads only.
 */
export function holders(options: HoldersOptions): Promise<HoldersResult> {
  return runInWorker('holders', [options]) as Promise<HoldersResult>;
}
export function holdersSync(options: HoldersOptions): HoldersResult {
  return runOperation('holders', [options], syncEnv(options)) as HoldersResult;
}

/** Removes set-aside files no installed service pack needs and no process holds; reports the held ones. */
export function cleanup(options: TargetOptions): Promise<CleanupTargetResult & LateStop> {
  return runInWorker('cleanup', [options]) as Promise<CleanupTargetResult>;
}
export function cleanupSync(options: TargetOptions): CleanupTargetResult & LateStop {
  return runOperation('cleanup', [options], syncEnv(options)) as CleanupTargetResult;
}

/** Finishes or rolls back an interrupted transaction on the target. */
export function recover(options: TargetOptions): Promise<RecoverResult & LateStop> {
  return runInWorker('recover', [options]) as Promise<RecoverResult>;
}
export function recoverSync(options: TargetOptions): RecoverResult & LateStop {
  return runOperation('recover', [options], syncEnv(options)) as RecoverResult;
}

/** Product, version, installed service packs and pending work. Reads only. */
export function status(options: TargetOptions): Promise<StatusResult> {
  return runInWorker('status', [options]) as Promise<StatusResult>;
}
export function statusSync(options: TargetOptions): StatusResult {
  return runOperation('status', [options], syncEnv(options)) as StatusResult;
}

/** Paths that differ from what servicepack installed (modified, missing, unexpected). Reads only. */
export function verify(options: TargetOptions): Promise<VerifyResult> {
  return runInWorker('verify', [options]) as Promise<VerifyResult>;
}
export function verifySync(options: TargetOptions): VerifyResult {
  return runOperation('verify', [options], syncEnv(options)) as VerifyResult;
}

/** The KB-style article for an error code, or a USAGE error for an unknown code. */
export function explain(code: string): { code: ErrorCode; summary: string } & ExplainArticle {
  const upper = code.toUpperCase() as ErrorCode;
  const article = explainArticles[upper];
  if (article === undefined) {
    throw new ServicePackError('USAGE', `unknown error code ${code}`, {
      hint: `Known codes: ${Object.keys(explainArticles).join(', ')}.`,
      details: { argument: code },
    });
  }
  return { code: upper, summary: errorSummaries[upper], ...article };
}

/** The name of the platform servicepack runs on here ('linux', 'win32'). */
export function platformName(): string {
  return selectPlatform().name;
}

/**
 * The seed scenario on Windows: the article's four DLLs loaded by perfhost.exe, prebuilt in `peDir`
 * (`5.5/` and `SP4/`, as scripts/setup-windows.sh builds them); see docs/windows.md.
 */
export function runWindowsDemo(options: { peDir?: string; onLine?: (line: string) => void; keep?: boolean; platform?: Platform }): Promise<WindowsDemoResult> {
  return runWindowsDemoOn(options.platform ?? selectPlatform('win32'), options.peDir, options.onLine ?? (() => {}), options.keep === true);
}
