// install: lock -> recover -> check product/version -> preflight -> stage -> journal -> commit ->
// record -> clean up. Any failure before the record step leaves the target as it was.
import * as fs from 'node:fs';
import { ServicePackError, hasErrno } from '../errors/index.js';
import type { Manifest, TreeNode } from '../format/manifest.js';
import { openPack, verifyPack, type PackReader } from '../format/pack-reader.js';
import { scanInventory } from '../inventory/scan-inventory.js';
import { compareVersions } from '../planner/compare-versions.js';
import { pathsToInspect, planInstall } from '../planner/plan-install.js';
import { planSteps, type StepNaming } from '../planner/plan-steps.js';
import type { Transition } from '../planner/transition.js';
import { keyIdHex, type PackTrust } from '../signing/index.js';
import { admitPack, type Admission, type TrustOptions } from './admit-pack.js';
import { writeBackupRecord, type BackupRecord } from './backup-record.js';
import { bytesToStage, checkSameDevice, checkSpace, freeBytes } from './checks.js';
import type { TxContext } from './tx-context.js';
import { withTargetLock } from './with-target-lock.js';
import { backupDirOf, backupFilesOf, stagingDirOf } from './layout.js';
import { newTxid } from './new-txid.js';
import { finishCommitted, hookedTransaction, type AfterCommit, type CommitOptions } from './finish-committed.js';
import type { Holder, Uninspectable } from '../inuse/holder.js';
import type { PackHooks } from '../format/manifest.js';
import { summarize, type PlannedAction } from './plan-summary.js';
import { holdersBefore, holdersByPath } from './target-holders.js';
import type { RecoverOutcome } from './recover.js';
import { runTransaction } from './run-transaction.js';
import { basesToKeep, heldBases } from './held-bases.js';
import { stageInstall } from './stage-install.js';
import { readState, type InstalledState } from './state-file.js';
import { pinFileOf, placePin, stagePin } from './trust-store.js';

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
  /** Who signed the pack and whether a trusted key verified it. */
  trust: PackTrust;
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
  recovered: RecoverOutcome;
  /**
   * Before the commit: processes holding a path the pack changes or removes, or whose executable, cwd
   * or root was in the target.
   */
  holders: Holder[];
  /** Who signed the pack and whether a trusted key verified it. */
  trust: PackTrust;
  /** The key id pinned for the target by this install (its first verified install), if any. */
  pinnedKey?: string;
}

/** Plans the install without changing anything: verifies the pack and runs the preflight. */
export function planInstallOnly(ctx: TxContext, packPath: string, options: TrustOptions = {}): InstallPlan {
  requireTarget(ctx.layout.target);
  const reader = openPack(packPath);
  try {
    ctx.emit({ type: 'phase', phase: 'verify' });
    const { trust } = admitPack(ctx, reader, options);
    verifyPack(reader);
    const { transitions, keptDirectories } = preflight(ctx, reader.manifest, options, false);
    const bytesToWrite = bytesToStage(transitions);
    const free = freeBytes(ctx.layout.target);
    const { holders, uninspectable } = holdersBefore(ctx, transitions);
    const byPath = holdersByPath(holders);
    return {
      dryRun: true, target: ctx.layout.target, packId: reader.packId, ...versions(reader.manifest),
      actions: summarize(transitions).map((a) => ({ ...a, holders: byPath.get(a.path) ?? [] })),
      keptDirectories, bytesToWrite, freeBytes: free, fits: bytesToWrite <= free,
      holders, uninspectable, restartNeeded: holders.length > 0, hooks: reader.manifest.hooks ?? {}, trust,
    };
  } finally {
    reader.close();
  }
}

export function installPack(ctx: TxContext, packPath: string, options: TrustOptions & CommitOptions = {}): InstallResult {
  requireTarget(ctx.layout.target);
  const reader = openPack(packPath);
  try {
    const admission = admitPack(ctx, reader, options);
    // Now: the manifest is signed by a trusted key (or explicitly allowed unsigned); every payload byte
    // is checked against it while it is staged, before anything outside .servicepack/ changes.
    return withTargetLock(ctx, true, (recovered) => installLocked(ctx, reader, recovered, admission, options));
  } finally {
    reader.close();
  }
}

function installLocked(ctx: TxContext, reader: PackReader, recovered: RecoverOutcome, admission: Admission, options: TrustOptions & CommitOptions): InstallResult {
  const { layout } = ctx;
  const manifest = reader.manifest;
  const { transitions, keptDirectories, state, bases } = preflight(ctx, manifest, options, true);
  checkSameDevice(layout, transitions, layout.dir);
  checkSpace(layout, bytesToStage(transitions), layout.dir);

  const txid = newTxid();
  const naming = namingFor(transitions, txid);
  const steps = planSteps(transitions, naming);
  const record: BackupRecord = {
    recordVersion: 1, txid, packId: reader.packId, ...versions(manifest), transitions,
    stateBefore: stateBefore(state, manifest),
    ...(manifest.hooks === undefined ? {} : { hooks: manifest.hooks }),
  };
  const { holders } = holdersBefore(ctx, transitions);
  const info = { kind: 'install' as const, ...versions(manifest), txid };
  const hooked = hookedTransaction(ctx, manifest.hooks, info);
  let bytesWritten = 0;
  // The first verified install pins the key that verified it, so later installs need no flag. The pin
  // is part of the transaction: staged with the files, moved into trust/ after the journal, removed by
  // a rollback (docs/journal.md).
  const keyToPin = admission.keyToPin;
  const pinnedKey = keyToPin === undefined ? undefined : keyIdHex(keyToPin.keyId);
  hooked.run(() => runTransaction(ctx, {
    journal: {
      journalVersion: 1, txid, kind: 'install', steps,
      afterCommit: [stagingDirOf(txid)],
      afterRollback: [stagingDirOf(txid), backupDirOf(txid), ...(pinnedKey === undefined ? [] : [pinFileOf(pinnedKey)])],
    },
    prepare: () => {
      bytesWritten = stageInstall(ctx, reader, { transitions, naming, txid, bases });
      writeBackupRecord(layout, record, ctx.platform);
      if (keyToPin !== undefined) stagePin(layout, stagingDirOf(txid), keyToPin, ctx.platform);
      hooked.preHook();
    },
    ...(pinnedKey === undefined ? {} : { afterJournal: () => placePin(layout, stagingDirOf(txid), pinnedKey, ctx.platform) }),
    nextState: stateAfter(state, manifest, reader.packId, txid, keptDirectories),
  }));
  const after = finishCommitted(ctx, manifest.hooks, info, hooked.ran, options);
  return {
    dryRun: false, target: layout.target, packId: reader.packId, ...versions(manifest), txid,
    actions: summarize(transitions), keptDirectories, bytesWritten,
    setAside: transitions.filter((t) => t.from !== null && t.from.type !== 'dir').map((t) => t.path),
    recovered, holders, ...after, trust: admission.trust, ...(pinnedKey === undefined ? {} : { pinnedKey }),
  };
}

/**
 * Product and version checks against the installed state, then the file-level preflight. With
 * `keepBases`, the delta bases it reads are kept for staging (held-bases.ts).
 */
function preflight(ctx: TxContext, manifest: Manifest, options: TrustOptions, keepBases: boolean) {
  const { layout } = ctx;
  ctx.emit({ type: 'phase', phase: 'preflight' });
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
  const inventory = scanInventory(layout.target, pathsToInspect(manifest), keepBases ? { keepContent: basesToKeep(manifest) } : {});
  const { transitions, mismatches, keptDirectories } = planInstall(manifest, inventory);
  if (mismatches.length > 0) {
    throw new ServicePackError('BASE_MISMATCH', `${mismatches.length} file(s) in the target are not version ${manifest.fromVersion}: ${mismatches.map((m) => m.path).join(', ')}`, {
      hint: 'The target is not the base this service pack applies to. Restore those files (or reinstall the base version), then run the install again.',
      details: { target: layout.target, mismatches },
    });
  }
  refuseUncreatableSymlinks(ctx, transitions);
  return { transitions, keptDirectories, state, bases: heldBases(inventory) };
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

function namingFor(transitions: readonly Transition[], txid: string): StepNaming {
  const index = new Map<string, number>();
  transitions.forEach((t, n) => index.set(t.path, n));
  return {
    incoming: (p) => `${stagingDirOf(txid)}/${index.get(p)}`,
    aside: (p) => `${backupFilesOf(txid)}/${p}`,
  };
}

function versions(m: Manifest) {
  return { product: m.product, fromVersion: m.fromVersion, toVersion: m.toVersion };
}

function stateBefore(state: InstalledState | null, manifest: Manifest): BackupRecord['stateBefore'] {
  if (state !== null) {
    const { lastTransaction: _, ...rest } = state;
    return rest;
  }
  // Never managed before: the pack's description of the base tree is the best record of it.
  const files: Record<string, TreeNode> = {};
  for (const e of manifest.entries) {
    const old = e.action === 'keep' ? e.new : e.old;
    if (old !== undefined) files[e.path] = old;
  }
  return { stateVersion: 1, product: manifest.product, version: manifest.fromVersion, history: [], files };
}

function stateAfter(state: InstalledState | null, manifest: Manifest, packId: string, txid: string, kept: string[]): InstalledState {
  const files: Record<string, TreeNode> = { ...(state?.files ?? {}) };
  for (const e of manifest.entries) {
    if (e.action === 'remove') delete files[e.path];
    else files[e.path] = e.new!;
  }
  for (const k of kept) files[k] = { type: 'dir' };
  return {
    stateVersion: 1, product: manifest.product, version: manifest.toVersion, lastTransaction: txid,
    history: [...(state?.history ?? []), { txid, packId, fromVersion: manifest.fromVersion, toVersion: manifest.toVersion, installedAt: new Date().toISOString() }],
    files,
  };
}

function requireTarget(target: string): void {
  try {
    if (fs.statSync(target).isDirectory()) return;
  } catch (err) {
    if (!hasErrno(err, 'ENOENT', 'ENOTDIR')) throw err;
  }
  throw new ServicePackError('TARGET_NOT_FOUND', `target ${target} is not a directory`, {
    hint: 'Pass the installation directory with --target.',
    details: { path: target },
  });
}

export { requireTarget };
