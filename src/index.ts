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
import type { KeyPairFiles, PackTrust } from './signing/index.js';
import type { TrustResult } from './operations/trust-target.js';
import type { InstallPlan, InstallResult } from './operations/install.js';
import type { RecoverResult } from './operations/recover-target.js';
import type { CleanupTargetResult } from './operations/cleanup-target.js';
import type { HoldersResult } from './operations/list-holders.js';
import type { StatusResult } from './operations/status.js';
import type { UninstallPlan, UninstallResult } from './operations/uninstall.js';
import type { VerifyResult } from './operations/verify-target.js';
import type { HistoryResult } from './operations/history.js';
import { buildCall, type BuildCallOptions } from './library/build-call.js';
import { runOperation } from './library/operation-table.js';
import { stopRequestOf } from './library/api-options.js';
import { runInWorker } from './library/run-in-worker.js';
import type { CallOptions, CleanupOptions, HoldersOptions, InspectOptions, InstallOptions, KeygenOptions, LateStop, TargetOptions, TrustCallOptions, UninstallOptions } from './library/api-types.js';

export { ServicePackError, isServicePackError, interruptedError, errorSummaries, explainArticles } from './errors/index.js';
export type { ErrorCode, ErrorDetails, ExplainArticle, HealthCheckResult, Mismatch } from './errors/index.js';
export type { HealthCheck, HealthTiming, PackHealth } from './format/health.js';
export { HEALTH_DEFAULTS, CHECK_TIMEOUT_MS } from './format/health.js';
export type { HealthSummary } from './engine/health-plan.js';
export type { TrialResult, TrialSettlement } from './engine/health-trial.js';
export type { Recovered } from './engine/with-target-lock.js';
export type { BuildResult, BuildEvent, BuildProgress, BuildWarning } from './build/index.js';
export type { BuildCallOptions as BuildOptions } from './library/build-call.js';
export type { CallOptions, TargetOptions, TransactionOptions, InstallOptions, UninstallOptions, CleanupOptions, InspectOptions, TrustCallOptions, HoldersOptions, KeygenOptions, LateStop, PlatformName } from './library/api-types.js';
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
export type { UninstallPlan, UninstallResult } from './operations/uninstall.js';
export type { RecoverResult } from './operations/recover-target.js';
export type { RecoverOutcome } from './engine/recover.js';
export type { StatusResult } from './operations/status.js';
export type { AttributeDifference, VerifyResult } from './operations/verify-target.js';
export type { HistoryEntry } from './records/state-file.js';
export type { HistoryEvent, HistoryHook } from './records/history-log.js';
export type { HistoryResult } from './operations/history.js';
export { runDemo } from './demo/run-demo.js';
// The fleet modules (tuf-js, undici) load only when a fleet function is called: other commands and
// library users do not pay for them at start-up.
import type { RepoInitResult } from './fleet/repo-init.js';
import type { PublishResult } from './fleet/publish.js';
import type { ChannelResult } from './fleet/set-channel.js';
import type { SyncResult } from './fleet/sync-target.js';
import { channelCall, publishCall, repoInitCall, syncCall, timestampCall, type ChannelOptions, type PublishOptions, type RepoOptions, type SyncOptions, type TimestampOptions } from './library/fleet-calls.js';
export type { ChannelOptions, PublishOptions, RepoOptions, SyncOptions, TimestampOptions } from './library/fleet-calls.js';
export type { RepoInitResult } from './fleet/repo-init.js';
export type { PublishResult, PublishedEntry } from './fleet/publish.js';
export type { ChannelResult } from './fleet/set-channel.js';
export type { ChannelRecord } from './fleet/channel-record.js';
export type { SyncResult, SyncLinkReport } from './fleet/sync-target.js';
export type { InstalledLink } from './fleet/install-chain.js';
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
  const stop = stopRequestOf(signal, stopRequested);
  return { ...(platform === undefined ? {} : { platform }), ...(stop === undefined ? {} : { stopRequested: stop }) };
}

/**
 * Builds a pack from two release trees, encoding files on worker threads. Same inputs give a
 * byte-identical pack, whatever the thread count.
 */
export function build(options: BuildCallOptions): Promise<BuildResult> {
  return buildCall(options);
}

/**
 * Reads a pack's header and manifest (not its payload) and summarises it. With `trustedKey` (public key
 * files), also checks its signature, as an install would but without a target: PACK_UNSIGNED,
 * KEY_UNTRUSTED or SIGNATURE_INVALID when no given key verifies it; `trust` says which key did.
 */
export function inspect(packPath: string, options: InspectOptions = {}): Promise<PackSummary & { trust?: PackTrust }> {
  return runInWorker('inspect', [packPath, options]) as Promise<PackSummary & { trust?: PackTrust }>;
}
export function inspectSync(packPath: string, options: InspectOptions = {}): PackSummary & { trust?: PackTrust } {
  return runOperation('inspect', [packPath, options], syncEnv(options)) as PackSummary & { trust?: PackTrust };
}

/**
 * Installs `packPath` into `options.target` as one transaction, or with `dryRun` verifies the pack,
 * runs the preflight and returns the plan (with the holders of each path) without changing anything.
 * The result names the processes that still run old code; `restartNeeded` says whether there are any.
 * With health checks (the pack's, plus `health.checks`), the install is then on trial: confirmed, it
 * returns; otherwise it is rolled back and throws HEALTH_FAILED (docs/health.md).
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

/**
 * Removes the most recently installed service pack, restoring the files it set aside; with `dryRun`,
 * checks that it can and returns what it would do, changing nothing.
 */
export function uninstall(options: UninstallOptions & { dryRun: true }): Promise<UninstallPlan>;
export function uninstall(options: UninstallOptions & { dryRun?: false }): Promise<UninstallResult & LateStop>;
export function uninstall(options: UninstallOptions): Promise<UninstallPlan | (UninstallResult & LateStop)>;
export function uninstall(options: UninstallOptions): Promise<UninstallPlan | (UninstallResult & LateStop)> {
  return runInWorker('uninstall', [options]) as Promise<UninstallPlan | UninstallResult>;
}
export function uninstallSync(options: UninstallOptions & { dryRun: true }): UninstallPlan;
export function uninstallSync(options: UninstallOptions & { dryRun?: false }): UninstallResult & LateStop;
export function uninstallSync(options: UninstallOptions): UninstallPlan | (UninstallResult & LateStop);
export function uninstallSync(options: UninstallOptions): UninstallPlan | (UninstallResult & LateStop) {
  return runOperation('uninstall', [options], syncEnv(options)) as UninstallPlan | UninstallResult;
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

/**
 * Removes set-aside files no installed service pack needs and no process holds; reports the held ones.
 * With `prune`, first gives up the uninstall backups of all but the newest `prune` installed service
 * packs (they can no longer be uninstalled). With `dryRun`, removes nothing and reports what it would remove.
 */
export function cleanup(options: CleanupOptions): Promise<CleanupTargetResult & LateStop> {
  return runInWorker('cleanup', [options]) as Promise<CleanupTargetResult>;
}
export function cleanupSync(options: CleanupOptions): CleanupTargetResult & LateStop {
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

/** The target's history log (.servicepack/history.log): installs, uninstalls, recoveries, prunes, oldest first. Reads only. */
export function history(options: TargetOptions): Promise<HistoryResult> {
  return runInWorker('history', [options]) as Promise<HistoryResult>;
}
export function historySync(options: TargetOptions): HistoryResult {
  return runOperation('history', [options], syncEnv(options)) as HistoryResult;
}

/** Paths that differ from what servicepack installed (modified, missing, unexpected). Reads only. */
export function verify(options: TargetOptions): Promise<VerifyResult> {
  return runInWorker('verify', [options]) as Promise<VerifyResult>;
}
export function verifySync(options: TargetOptions): VerifyResult {
  return runOperation('verify', [options], syncEnv(options)) as VerifyResult;
}

/** Makes a new fleet repository and its role keys; `rootFile` is what installations trust (`sync --root`). */
export function repoInit(options: RepoOptions): Promise<RepoInitResult> {
  return repoInitCall(options);
}

/** Adds signed packs (and the public keys that sign them) to a repository and re-signs its metadata. */
export function publish(packs: string[], options: PublishOptions): Promise<PublishResult> {
  return publishCall(packs, options);
}

/** Creates or changes a channel (version, rollout percentage, halt, required stops, pulled versions). */
export function channel(name: string, options: ChannelOptions): Promise<ChannelResult> {
  return channelCall(name, options);
}

/** Re-signs the repository's timestamp (one command, run before it expires: by cron or CI). */
export function repoTimestamp(options: TimestampOptions): Promise<{ version: number; expires: string }> {
  return timestampCall(options);
}

/**
 * Brings `options.target` to the version of its channel in a fleet repository: refreshes signed
 * metadata (TUF), plans the cheapest chain of packs, downloads them (resuming), dry-runs the chain,
 * installs it link by link. A failed link rolls the target back to where the sync started.
 */
export function sync(options: SyncOptions): Promise<SyncResult> {
  return syncCall(options);
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
