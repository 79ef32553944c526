/**
 * servicepack — build service packs from two release trees and install them onto running
 * installations as one crash-safe transaction, never stopped by files in use.
 *
 * @example Build, install, undo
 * ```ts
 * import { build, install, uninstall, status } from 'servicepack';
 *
 * await build({ oldDir: 'release-5.5', newDir: 'release-sp4', out: 'sp4.svp', product: 'exchange', fromVersion: '5.5', toVersion: 'SP4' });
 * const plan = install('sp4.svp', { target: '/opt/exchange', dryRun: true }); // changes nothing
 * const done = install('sp4.svp', { target: '/opt/exchange' });               // one transaction
 * status({ target: '/opt/exchange' }).version;                                 // 'SP4'
 * uninstall({ target: '/opt/exchange' });                                      // back to 5.5
 * ```
 *
 * Every failure users can cause throws a {@link ServicePackError} with a stable `code`.
 */
import { buildPack, type BuildOptions, type BuildResult } from './build/index.js';
import { ServicePackError, explainArticles, errorSummaries, type ErrorCode, type ExplainArticle } from './errors/index.js';
import { inspectPack, type PackSummary } from './format/index.js';
import { selectPlatform, type Platform, type StopSignals } from './platform/index.js';
import { contextFor } from './records/tx-context.js';
import type { EventSink } from './records/events.js';
import type { TrustOptions } from './engine/admit-pack.js';
import type { HealthOptions } from './engine/health-plan.js';
import { trustTarget, type TrustChanges, type TrustResult } from './operations/trust-target.js';
import { signatureKeyId, verifyPackFile, writeKeyPair, type KeyPairFiles, type PackTrust } from './signing/index.js';
import { installPack, planInstallOnly, type InstallPlan, type InstallResult, type RetentionOptions } from './operations/install.js';
import { recoverTarget, type RecoverResult } from './operations/recover-target.js';
import { cleanupTarget, type CleanupOptions, type CleanupTargetResult } from './operations/cleanup-target.js';
import { listHolders, type HoldersResult } from './operations/list-holders.js';
import { targetStatus, type StatusResult } from './operations/status.js';
import { planUninstallOnly, uninstallLatest, type UninstallPlan, type UninstallResult } from './operations/uninstall.js';
import { verifyTarget, type VerifyResult } from './operations/verify-target.js';
import { targetHistory, type HistoryResult } from './operations/history.js';

export { ServicePackError, isServicePackError, interruptedError, errorSummaries, explainArticles } from './errors/index.js';
export type { ErrorCode, ErrorDetails, ExplainArticle, HealthCheckResult, Mismatch } from './errors/index.js';
export type { HealthCheck, HealthTiming, PackHealth } from './format/health.js';
export { HEALTH_DEFAULTS, CHECK_TIMEOUT_MS } from './format/health.js';
export type { HealthOptions, HealthSummary } from './engine/health-plan.js';
export type { TrialResult, TrialSettlement } from './engine/health-trial.js';
export type { Recovered } from './engine/with-target-lock.js';
export type { BuildOptions, BuildResult, BuildEvent, BuildProgress, BuildWarning } from './build/index.js';
export type { PackSummary, PackSummaryEntry, Manifest, ManifestEntry, PackHooks, TreeNode } from './format/index.js';
export type { Platform, HoldKind, Uninspectable, StopSignals } from './platform/index.js';
export type { Holder } from './inuse/holder.js';
export type { HoldersResult } from './operations/list-holders.js';
export type { CleanupResult } from './engine/cleanup.js';
export type { CleanupOptions, CleanupTargetResult } from './operations/cleanup-target.js';
export type { StaleProcess } from './engine/target-holders.js';
export type { AfterCommit } from './engine/finish-committed.js';
export type { HookOutcome } from './engine/run-hook.js';
export type { UnitRestart, UnitRestartReport } from './engine/restart-units.js';
export type { ProgressEvent, EventSink, Phase } from './records/events.js';
export type { InstallPlan, InstallResult, RetentionOptions } from './operations/install.js';
export type { TrustOptions } from './engine/admit-pack.js';
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
import type { ChannelChanges, ChannelResult } from './fleet/set-channel.js';
import type { SigningOptions } from './fleet/repo-state.js';
import type { SyncOptions as FleetSyncOptions, SyncResult } from './fleet/sync-target.js';
export type { RepoInitResult } from './fleet/repo-init.js';
export type { PublishResult, PublishedEntry } from './fleet/publish.js';
export type { ChannelResult } from './fleet/set-channel.js';
export type { ChannelRecord } from './fleet/channel-record.js';
export type { SigningOptions } from './fleet/repo-state.js';
export type { SyncResult, SyncLinkReport } from './fleet/sync-target.js';
export type { InstalledLink } from './fleet/install-chain.js';
import { runWindowsDemo as runWindowsDemoOn, type WindowsDemoResult } from './demo/run-demo-windows.js';
export type { WindowsDemoResult } from './demo/run-demo-windows.js';
export type { DemoOptions, DemoResult } from './demo/run-demo.js';

/** Options every target command accepts. */
export interface TargetOptions {
  /** The installation directory. */
  target: string;
  /** Progress events (phases, staged files, steps, recovery). */
  onEvent?: EventSink;
  /** Defaults to the platform of the running OS. */
  platform?: Platform;
  /**
   * Polled between the steps of a transaction, up to its point of no return: a signal name returned
   * (e.g. 'SIGTERM', see `stopSignals`) rolls the transaction back and throws INTERRUPTED. After the
   * point of no return the transaction is finished regardless.
   */
  stopRequested?: () => string | null;
}

/**
 * Options of `install`. The pack must be signed by a key in `trustedKeys` or pinned for the target,
 * unless `allowUnsigned` is set; its version must be newer than its base unless `allowDowngrade` is set.
 */
export interface InstallOptions extends TransactionOptions, TrustOptions, HealthOptions, RetentionOptions {
  /** Verify the pack and plan the install without changing anything. */
  dryRun?: boolean;
}

const ctxOf = (o: TargetOptions & { inUseWaitMs?: number }) => {
  const platform = o.platform ?? selectPlatform(undefined, o.inUseWaitMs === undefined ? {} : { inUseWaitMs: o.inUseWaitMs });
  const ctx = contextFor(o.target, platform, o.onEvent);
  return o.stopRequested === undefined ? ctx : { ...ctx, stopRequested: o.stopRequested };
};

/**
 * Synchronous SIGINT/SIGTERM handling for a command line around this library (see StopSignals), or
 * null where the platform has none.
 */
export function stopSignals(platform: Platform = selectPlatform()): StopSignals | null {
  return platform.stopSignals?.() ?? null;
}

/**
 * Builds a pack from two release trees, encoding files on worker threads. Same inputs give a
 * byte-identical pack, whatever the thread count.
 */
export function build(options: BuildOptions): Promise<BuildResult> {
  return buildPack(options);
}

/**
 * Reads a pack's header and manifest (not its payload) and summarises it. With `trustedKeys` (public key
 * files), also checks its signature, as an install would but without a target: PACK_UNSIGNED,
 * KEY_UNTRUSTED or SIGNATURE_INVALID when no given key verifies it; `trust` says which key did.
 */
export function inspect(packPath: string, options: { trustedKeys?: readonly string[] } = {}): PackSummary & { trust?: PackTrust } {
  const summary = inspectPack(packPath, signatureKeyId);
  return options.trustedKeys === undefined || options.trustedKeys.length === 0 ? summary : { ...summary, trust: verifyPackFile(packPath, options.trustedKeys) };
}

/** Options of install and uninstall. */
export interface TransactionOptions extends TargetOptions {
  /** After the commit, restart (once each) the systemd services whose processes still run old code. */
  restartUnits?: boolean;
  /**
   * Windows: how long (ms) a rename refused because another process has the file open without delete
   * sharing is retried before the transaction gives up with FILE_IN_USE (default 3,400).
   */
  inUseWaitMs?: number;
}

/**
 * Installs `packPath` into `options.target` as one transaction, or with `dryRun` verifies the pack,
 * runs the preflight and returns the plan (with the holders of each path) without changing anything.
 * The result names the processes that still run old code; `restartNeeded` says whether there are any.
 * With health checks (the pack's, plus `health.checks`), the install is then on trial: confirmed, it
 * returns; otherwise it is rolled back and throws HEALTH_FAILED (docs/health.md).
 */
export function install(packPath: string, options: InstallOptions & { dryRun: true }): InstallPlan;
export function install(packPath: string, options: InstallOptions & { dryRun?: false }): InstallResult;
export function install(packPath: string, options: InstallOptions): InstallPlan | InstallResult;
export function install(packPath: string, options: InstallOptions): InstallPlan | InstallResult {
  const ctx = ctxOf(options);
  return options.dryRun === true ? planInstallOnly(ctx, packPath, options) : installPack(ctx, packPath, { ...options, restartUnits: options.restartUnits === true });
}

/** Writes a new minisign-compatible key pair: `<out>.key` (secret, mode 0600, unencrypted) and `<out>.pub`. */
export function keygen(options: { out: string; platform?: Platform }): KeyPairFiles {
  return writeKeyPair(options.out, options.platform ?? selectPlatform());
}

/** Lists the keys pinned for a target, after pinning `add` (public key files) and unpinning `remove` (key ids). */
export function trust(options: TargetOptions & TrustChanges): TrustResult {
  return trustTarget(ctxOf(options), options);
}

/**
 * Removes the most recently installed service pack, restoring the files it set aside; with `dryRun`,
 * checks that it can and returns what it would do, changing nothing.
 */
export function uninstall(options: TransactionOptions & { dryRun: true }): UninstallPlan;
export function uninstall(options: TransactionOptions & { dryRun?: false }): UninstallResult;
export function uninstall(options: TransactionOptions & { dryRun?: boolean }): UninstallPlan | UninstallResult;
export function uninstall(options: TransactionOptions & { dryRun?: boolean }): UninstallPlan | UninstallResult {
  const ctx = ctxOf(options);
  return options.dryRun === true ? planUninstallOnly(ctx) : uninstallLatest(ctx, { restartUnits: options.restartUnits === true });
}

/**
 * The processes holding the target's files and directories (or only `paths` and what is under them),
 * matched by device and inode; set-aside files under `.servicepack/backup/` are included. Reads only.
 */
export function holders(options: TargetOptions & { paths?: string[] }): HoldersResult {
  return listHolders(ctxOf(options), options.paths ?? []);
}

/**
 * Removes set-aside files no installed service pack needs and no process holds; reports the held ones.
 * With `keep`, first gives up the uninstall backups of all but the newest `keep` installed service packs
 * (they can no longer be uninstalled). With `dryRun`, removes nothing and reports what it would remove.
 */
export function cleanup(options: TargetOptions & CleanupOptions): CleanupTargetResult {
  return cleanupTarget(ctxOf(options), options);
}

/** Finishes or rolls back an interrupted transaction on the target. */
export function recover(options: TargetOptions): RecoverResult {
  return recoverTarget(ctxOf(options));
}

/** Product, version, installed service packs and pending work. Reads only. */
export function status(options: TargetOptions): StatusResult {
  return targetStatus(ctxOf(options));
}

/** The target's history log (.servicepack/history.log): installs, uninstalls, recoveries, prunes, oldest first. Reads only. */
export function history(options: TargetOptions): HistoryResult {
  return targetHistory(ctxOf(options));
}

/** Paths that differ from what servicepack installed (modified, missing, unexpected). Reads only. */
export function verify(options: TargetOptions): VerifyResult {
  return verifyTarget(ctxOf(options));
}

/** Options of the commands that change a fleet repository. */
export interface RepoOptions extends SigningOptions {
  /** The repository directory (uploaded as it is to a web server, bucket or CDN). */
  repo: string;
  /** The directory of the role keys (`repo init` writes them; root.key may stay offline). */
  keyDir: string;
  platform?: Platform;
}

/** Makes a new fleet repository and its role keys; `rootFile` is what installations trust (`sync --root`). */
export async function repoInit(options: RepoOptions): Promise<RepoInitResult> {
  const { initRepo } = await import('./fleet/repo-init.js');
  return initRepo(options.repo, options.keyDir, options.platform ?? selectPlatform(), options);
}

/** Adds signed packs (and the public keys that sign them) to a repository and re-signs its metadata. */
export async function publish(packs: string[], options: RepoOptions & { packKeys?: string[] }): Promise<PublishResult> {
  const { publishPacks } = await import('./fleet/publish.js');
  return publishPacks(packs, options, options.platform ?? selectPlatform());
}

/** Creates or changes a channel (version, rollout percentage, halt, required stops, pulled versions). */
export async function channel(name: string, options: RepoOptions & Omit<ChannelChanges, 'repo' | 'keyDir'>): Promise<ChannelResult> {
  const { setChannel } = await import('./fleet/set-channel.js');
  return setChannel(name, options, options.platform ?? selectPlatform());
}

/** Re-signs the repository's timestamp (one command, run before it expires: by cron or CI). */
export async function repoTimestamp(options: RepoOptions): Promise<{ version: number; expires: string }> {
  const { readRepo, writeTimestamp } = await import('./fleet/repo-state.js');
  const ts = writeTimestamp(options.repo, options.keyDir, readRepo(options.repo), null, options.platform ?? selectPlatform(), options);
  return { version: ts.signed.version, expires: ts.signed.expires };
}

/** Options of `sync`. */
export interface SyncOptions extends TargetOptions, FleetSyncOptions {}

/**
 * Brings `options.target` to the version of its channel in a fleet repository: refreshes signed
 * metadata (TUF), plans the cheapest chain of packs, downloads them (resuming), dry-runs the chain,
 * installs it link by link. A failed link rolls the target back to where the sync started.
 */
export async function sync(options: SyncOptions): Promise<SyncResult> {
  const { syncTarget } = await import('./fleet/sync-target.js');
  return syncTarget(ctxOf(options), options);
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
