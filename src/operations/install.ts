// install: lock -> recover -> check product/version -> preflight -> stage -> journal -> commit ->
// record -> clean up. Any failure before the record step leaves the target as it was.
import { ServicePackError } from '../errors/index.js';
import type { Manifest } from '../format/manifest.js';
import { openPack, verifyPack, type PackReader } from '../format/pack-reader.js';
import type { Inventory } from '../inventory/inventory.js';
import { scanInventory } from '../inventory/scan-inventory.js';
import { compareVersions } from '../planner/compare-versions.js';
import { pathsToInspect, planInstall } from '../planner/plan-install.js';
import type { Transition } from '../planner/transition.js';
import { keyIdHex, type PackTrust } from '../signing/index.js';
import { admitPack, type Admission, type TrustOptions } from '../engine/admit-pack.js';
import { writeBackupRecord } from '../records/backup-record.js';
import { refuseIfPending } from '../engine/refuse-pending.js';
import { checkPathLengths } from '../engine/check-path-lengths.js';
import { checkPathRules, checkSameDevice, checkSpace, freeSpace, spaceNeeded, type FreeSpace } from '../engine/checks.js';
import type { TxContext } from '../records/tx-context.js';
import { withTargetLock } from '../engine/with-target-lock.js';
import { requireTarget } from '../engine/require-target.js';
import { stagingDirOf } from '../records/layout.js';
import { newTxid } from '../records/new-txid.js';
import { commitWithHooks, type AfterCommit, type CommitOptions } from '../engine/finish-committed.js';
import type { Holder, Uninspectable } from '../inuse/holder.js';
import type { PackHooks } from '../format/manifest.js';
import { summarize, type PlannedAction } from '../engine/plan-summary.js';
import { holdersBefore, holdersByPath } from '../engine/target-holders.js';
import type { Recovered } from '../engine/with-target-lock.js';
import { planTrial, warnSkipped, type HealthOptions, type HealthSummary, type TrialPlan } from '../engine/health-plan.js';
import { runTrial, type TrialResult } from '../engine/health-trial.js';
import { writeTrialRecord } from '../records/trial-record.js';
import { basesToKeep, heldBases } from '../engine/held-bases.js';
import type { OldNode } from '../engine/old-node-guard.js';
import { settleOwners } from '../engine/settle-owners.js';
import { stageInstall } from '../engine/stage-install.js';
import { checkStateDir, refuseInsideStateDir } from '../records/state-dir.js';
import { readState, type HistoryEntry } from '../records/state-file.js';
import { writeListing } from '../records/tree-record.js';
import { checkBaseTree } from '../engine/base-tree.js';
import { placePin, stagePin } from '../records/trust-store.js';
import { recordsOf, sizesOf, versions } from '../engine/install-records.js';

export interface InstallPlan {
  dryRun: true;
  target: string;
  packId: string;
  product: string;
  fromVersion: string;
  toVersion: string;
  /** Each action with the processes that hold its path now. */
  actions: (PlannedAction & { holders: Holder[] })[];
  keptDirectories: string[];
  bytesToWrite: number;
  freeBytes: number;
  fits: boolean;
  /** Every process that would still run old code after the commit (see InstallResult.holders). */
  holders: Holder[];
  uninspectable: Uninspectable[];
  /** True when some process holds what the pack changes, or runs from the target: a restart will be needed. */
  restartNeeded: boolean;
  hooks: PackHooks;
  /** The health trial the install would run after the commit (docs/health.md). */
  health: HealthSummary;
  /** Who signed the pack and whether a trusted key verified it. */
  trust: PackTrust;
  /** This very pack (by pack id) is already installed: the install would change nothing. */
  alreadyInstalled: boolean;
}

/** A retention policy for uninstall backups, applied by the install's commit. */
export interface RetentionOptions {
  /**
   * Keep the set-aside files of at most this many installed service packs, this one included; older
   * packs' backups are given up (recorded as pruned in the state, removed by the clean-up) and those
   * packs can no longer be uninstalled (BACKUP_PRUNED).
   */
  keepBackups?: number;
}

export interface InstallResult extends AfterCommit {
  dryRun: false;
  target: string;
  packId: string;
  product: string;
  fromVersion: string;
  toVersion: string;
  txid: string;
  actions: PlannedAction[];
  keptDirectories: string[];
  bytesWritten: number;
  /** Paths whose previous version was set aside into the backup. */
  setAside: string[];
  recovered: Recovered;
  /**
   * The health trial: confirmed (a failed one throws HEALTH_FAILED after rolling the pack back),
   * skipped by `noHealth`, or none when neither the pack nor the install has checks.
   */
  health: TrialResult | Exclude<HealthSummary, { outcome: 'planned' }>;
  /**
   * Before the commit: processes holding a path the pack changes or removes, or whose executable, cwd
   * or root was in the target.
   */
  holders: Holder[];
  /** Who signed the pack and whether a trusted key verified it. */
  trust: PackTrust;
  /** The key id pinned for the target by this install (its first verified install), if any. */
  pinnedKey?: string;
  /**
   * This very pack (by pack id) is in the target's history: nothing was done, and `txid` is the
   * transaction that installed it.
   */
  alreadyInstalled: boolean;
}

/** Plans the install without changing anything: verifies the pack and runs the preflight. */
export function planInstallOnly(ctx: TxContext, packPath: string, options: TrustOptions & HealthOptions & RetentionOptions = {}): InstallPlan {
  checkInputs(ctx, packPath, options);
  refuseIfPending(ctx, 'the dry run');
  const reader = openPack(packPath);
  try {
    ctx.emit({ type: 'phase', phase: 'verify' });
    const { trust, keyToPin } = admitPack(ctx, reader, options);
    const health = planTrial(reader.manifest.health, options);
    warnSkipped(ctx, health.summary);
    verifyPack(reader);
    if (installedBefore(ctx, reader) !== undefined) {
      return {
        dryRun: true, target: ctx.layout.target, packId: reader.packId, ...versions(reader.manifest), actions: [], keptDirectories: [], bytesToWrite: 0,
        freeBytes: freeSpace(ctx.layout).bytes, fits: true, holders: [], uninspectable: [], restartNeeded: false, hooks: reader.manifest.hooks ?? {}, health: health.summary, trust, alreadyInstalled: true,
      };
    }
    const { transitions, keptDirectories, state, listing: found, olds } = preflight(ctx, reader.manifest, options, false);
    // The same records the install would write (every txid has the same length).
    const pinnedKey = keyToPin === undefined ? undefined : keyIdHex(keyToPin.keyId);
    const { record, journal, nextState, trial, listing } = recordsOf(reader, { transitions, keptDirectories, state, listing: found, olds, txid: newTxid(), pinnedKey, health: health.plan, keepBackups: options.keepBackups });
    const space = freeSpace(ctx.layout);
    const needed = spaceNeeded(transitions, sizesOf(record, journal, nextState, keyToPin, trial, listing), space);
    const bytesToWrite = needed.bytes;
    const free = space.bytes;
    const { holders, uninspectable } = holdersBefore(ctx, transitions);
    const byPath = holdersByPath(holders);
    return {
      dryRun: true, target: ctx.layout.target, packId: reader.packId, ...versions(reader.manifest),
      actions: summarize(transitions).map((a) => ({ ...a, holders: byPath.get(a.path) ?? [] })),
      keptDirectories, bytesToWrite, freeBytes: free, fits: bytesToWrite <= free && (space.inodes === null || needed.inodes <= space.inodes),
      holders, uninspectable, restartNeeded: holders.length > 0, hooks: reader.manifest.hooks ?? {}, health: health.summary, trust, alreadyInstalled: false,
    };
  } finally {
    reader.close();
  }
}

export function installPack(ctx: TxContext, packPath: string, options: TrustOptions & CommitOptions & HealthOptions & RetentionOptions = {}): InstallResult {
  checkInputs(ctx, packPath, options);
  const reader = openPack(packPath);
  try {
    const admission = admitPack(ctx, reader, options);
    const health = planTrial(reader.manifest.health, options);
    warnSkipped(ctx, health.summary);
    // Now: the manifest is signed by a trusted key (or explicitly allowed unsigned); every payload byte
    // is checked against it while it is staged, before anything outside .servicepack/ changes.
    // Measured before the lock and `.servicepack/` exist, as the dry run measures it.
    const free = freeSpace(ctx.layout);
    return withTargetLock(ctx, true, (recovered) => installLocked(ctx, reader, { recovered, admission, free, health }, options));
  } finally {
    reader.close();
  }
}

function installLocked(ctx: TxContext, reader: PackReader, before: { recovered: Recovered; admission: Admission; free: FreeSpace; health: { plan: TrialPlan; summary: HealthSummary } }, options: TrustOptions & CommitOptions & RetentionOptions): InstallResult {
  const { recovered, admission, free, health } = before;
  const { layout } = ctx;
  const manifest = reader.manifest;
  const earlier = installedBefore(ctx, reader);
  if (earlier !== undefined) return alreadyDone(ctx, reader, earlier, before);
  const { transitions, keptDirectories, state, listing: found, bases, olds } = preflight(ctx, manifest, options, true);
  settleOwners(ctx, transitions);
  checkSameDevice(layout, transitions, layout.dir);

  const txid = newTxid();
  // The first verified install pins the key that verified it, so later installs need no flag. The pin
  // is part of the transaction: staged with the files, moved into trust/ after the journal, removed by
  // a rollback (docs/journal.md).
  const keyToPin = admission.keyToPin;
  const pinnedKey = keyToPin === undefined ? undefined : keyIdHex(keyToPin.keyId);
  const { naming, record, journal, nextState, trial, listing } = recordsOf(reader, { transitions, keptDirectories, state, listing: found, olds, txid, pinnedKey, health: health.plan, keepBackups: options.keepBackups });
  checkSpace(layout, spaceNeeded(transitions, sizesOf(record, journal, nextState, keyToPin, trial, listing), free), free);

  const { holders } = holdersBefore(ctx, transitions);
  const info = { kind: 'install' as const, ...versions(manifest), txid, packId: reader.packId };
  let bytesWritten = 0;
  const after = commitWithHooks(ctx, manifest.hooks, info, options, {
    journal,
    prepare: () => {
      bytesWritten = stageInstall(ctx, reader, { transitions, naming, txid, bases });
      writeBackupRecord(layout, record, ctx.platform);
      if (listing !== undefined) writeListing(layout, txid, listing.tree, ctx.platform);
      if (keyToPin !== undefined) stagePin(layout, stagingDirOf(txid), keyToPin, ctx.platform);
      // The trial is recorded before the journal: from the commit on, the install is on trial until its
      // checks confirm it, whatever happens to this process (the journal's afterRollback removes it).
      if (trial !== undefined) writeTrialRecord(layout, trial, ctx.platform);
    },
    ...(pinnedKey === undefined ? {} : { afterJournal: () => placePin(layout, stagingDirOf(txid), pinnedKey, ctx.platform) }),
    nextState,
    olds,
  });
  // After the commit, the post hook and the unit restarts: the trial, which rolls back and throws on failure.
  const trialResult = trial === undefined ? undefined : runTrial(ctx, trial, manifest.product, options);
  return {
    dryRun: false, target: layout.target, packId: reader.packId, ...versions(manifest), txid,
    actions: summarize(transitions), keptDirectories, bytesWritten,
    setAside: transitions.filter((t) => t.from !== null && t.from.type !== 'dir').map((t) => t.path),
    recovered, holders, ...after, health: trialResult ?? (health.summary as Exclude<HealthSummary, { outcome: 'planned' }>),
    trust: admission.trust, ...(pinnedKey === undefined ? {} : { pinnedKey }), alreadyInstalled: false,
  };
}

/**
 * The history entry of this very pack, when the target has it installed (a re-run by a configuration
 * tool): such an install is done already, whatever came after it (docs/architecture.md, Decisions).
 */
function installedBefore(ctx: TxContext, reader: PackReader): HistoryEntry | undefined {
  const state = readState(ctx.layout);
  if (state === null || state.product !== reader.manifest.product) return undefined;
  return state.history.find((h) => h.packId === reader.packId);
}

/** The result of an install that found its pack already installed: nothing ran, nothing changed. */
function alreadyDone(ctx: TxContext, reader: PackReader, earlier: HistoryEntry, before: { recovered: Recovered; admission: Admission }): InstallResult {
  return {
    dryRun: false, target: ctx.layout.target, packId: reader.packId, ...versions(reader.manifest), txid: earlier.txid,
    actions: [], keptDirectories: [], bytesWritten: 0, setAside: [], recovered: before.recovered, holders: [],
    staleProcesses: [], restartNeeded: false, restartAdvised: false, uninspectable: [], hooks: [],
    cleanup: { removed: [], bytesFreed: 0, held: [], uninspectable: [], backupWrites: [], atReboot: [] },
    health: { outcome: 'none' }, trust: before.admission.trust, alreadyInstalled: true,
  };
}

/**
 * Product and version checks against the installed state, then the file-level preflight. With
 * `keepBases`, the delta bases it reads are kept for staging (held-bases.ts).
 */
function preflight(ctx: TxContext, manifest: Manifest, options: TrustOptions, keepBases: boolean) {
  const { layout } = ctx;
  ctx.emit({ type: 'phase', phase: 'preflight' });
  checkPathRules(ctx.platform, manifest);
  const state = readState(layout);
  if (state !== null) {
    if (state.product !== manifest.product) {
      throw new ServicePackError('PRODUCT_MISMATCH', `the target holds ${state.product}, the pack is for ${manifest.product}`, {
        hint: 'Use the service pack built for the installed product.',
        details: { target: layout.target, installed: state.product, pack: manifest.product },
      });
    }
    if (state.version !== manifest.fromVersion) {
      throw new ServicePackError('VERSION_MISMATCH', `the target is at version ${state.version}, the pack applies to ${manifest.fromVersion}`, {
        hint: 'Install the service packs in order, or use the pack built for the installed version (see `servicepack status`).',
        details: { target: layout.target, installed: state.version, expected: manifest.fromVersion },
      });
    }
  }
  if (options.allowDowngrade !== true && compareVersions(manifest.toVersion, manifest.fromVersion) <= 0) {
    throw new ServicePackError('DOWNGRADE', `the pack would take ${manifest.product} from ${manifest.fromVersion} to ${manifest.toVersion}, which is not newer`, {
      hint: 'Install a newer service pack. To roll back, use `servicepack uninstall`; pass --allow-downgrade only if going back is really intended.',
      details: { target: layout.target, installed: state?.version ?? manifest.fromVersion, pack: manifest.toVersion },
    });
  }
  checkPathLengths(layout, manifest.entries.map((e) => e.path), ctx.platform);
  const inventory = scanPlanned(ctx, manifest, keepBases);
  const { transitions, mismatches, keptDirectories } = planInstall(manifest, inventory);
  // Then the target as a whole (one comparison when it is managed, one walk when it is not), once
  // the paths the pack touches agree: their mismatches are the precise report.
  const base = mismatches.length > 0 ? { mismatches: [] } : checkBaseTree(layout, manifest, state, inventory);
  mismatches.push(...base.mismatches);
  if (mismatches.length > 0) {
    throw new ServicePackError('BASE_MISMATCH', `${mismatches.length} file(s) in the target are not version ${manifest.fromVersion}: ${mismatches.map((m) => m.path).join(', ')}`, {
      hint: 'The target is not the base this service pack applies to. Restore those files (or reinstall the base version), then run the install again.',
      details: { target: layout.target, mismatches },
    });
  }
  refuseUncreatableSymlinks(ctx, transitions);
  return { transitions, keptDirectories, state, listing: base.listing, bases: heldBases(inventory), olds: oldNodesOf(transitions, inventory) };
}

/** The target at every path the pack touches; with `keepBases`, the delta bases' content is kept (and hashed beside the reading where the platform can). */
function scanPlanned(ctx: TxContext, manifest: Manifest, keepBases: boolean): Inventory {
  if (!keepBases) return scanInventory(ctx.layout.target, pathsToInspect(manifest));
  const hasher = ctx.platform.backgroundHasher?.() ?? null;
  try {
    return scanInventory(ctx.layout.target, pathsToInspect(manifest), { keepContent: basesToKeep(manifest), hasher });
  } finally {
    hasher?.close();
  }
}

/** What each replaced or removed file or link was when the preflight read it (old-node-guard.ts). */
function oldNodesOf(transitions: readonly Transition[], inventory: Inventory): Map<string, OldNode> {
  const olds = new Map<string, OldNode>();
  for (const t of transitions) {
    if (t.from === null || t.from.type === 'dir') continue;
    const stamp = inventory.get(t.path)?.stamp;
    olds.set(t.path, stamp === undefined ? { node: t.from } : { node: t.from, stamp });
  }
  return olds;
}

/**
 * The target, its state directory (read for pinned keys before the lock) and the files the user gave:
 * none may live in `.servicepack/`, whose staging and backups are removed (docs/trust.md).
 */
function checkInputs(ctx: TxContext, packPath: string, options: TrustOptions & RetentionOptions): void {
  requireTarget(ctx.layout.target);
  const keep = options.keepBackups;
  if (keep !== undefined && (!Number.isInteger(keep) || keep < 0)) {
    throw new ServicePackError('USAGE', `--keep must be a whole number of service packs (0 or more), not ${keep}`, { hint: 'For example --keep 3 keeps the uninstall backups of the 3 newest service packs.', details: { argument: '--keep' } });
  }
  checkStateDir(ctx);
  for (const file of [packPath, ...(options.trustedKeys ?? [])]) refuseInsideStateDir(ctx.layout, file);
}

/** Where servicepack cannot create symlinks (Windows), a pack that adds or changes one is refused up front. */
function refuseUncreatableSymlinks(ctx: TxContext, transitions: readonly Transition[]): void {
  if (ctx.platform.canCreateSymlinks) return;
  const paths = transitions.filter((t) => t.to?.type === 'symlink').map((t) => t.path);
  if (paths.length === 0) return;
  throw new ServicePackError('SYMLINK_UNSUPPORTED', `the service pack creates ${paths.length} symbolic link(s), which servicepack cannot create on ${ctx.platform.name}: ${paths.join(', ')}`, {
    hint: 'Build the service pack from trees that ship files instead of symbolic links. Nothing was changed.',
    details: { target: ctx.layout.target, paths },
  });
}

