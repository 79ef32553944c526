// The records an install writes, made from its plan before anything is staged: the backup record
// (what uninstall puts back), the journal (what recover replays), the state it commits (the tree's record
// in O(change)), the trial record, the tree's listing on a first install, and their sizes on disk for the
// space check. Pure: nothing here touches the target.
import type { Manifest, TreeNode } from '../format/manifest.js';
import type { PackReader } from '../format/pack-reader.js';
import { commitTree } from '../format/tree-commitment.js';
import type { Owner } from '../inventory/read-node.js';
import type { Journal } from '../journal/journal.js';
import { planSteps, type StepNaming } from '../planner/plan-steps.js';
import type { Transition } from '../planner/transition.js';
import { formatPublicKey, type PublicKey } from '../signing/index.js';
import type { BackupRecord, SetAsideStamp } from '../records/backup-record.js';
import { setAsideStampOf } from '../records/backup-writes.js';
import { backupDirOf, backupFilesOf, stagingDirOf, TRIAL_FILE } from '../records/layout.js';
import { retain } from '../records/retention.js';
import { stateText, STATE_VERSION, type InstalledState } from '../records/state-file.js';
import { listingOf, listingText, type InstalledTree } from '../records/tree-record.js';
import type { TrialRecord } from '../records/trial-record.js';
import { pinFileOf } from '../records/trust-store.js';
import type { RecordSizes } from './checks.js';
import type { TrialPlan } from './health-plan.js';
import type { OldNode } from './old-node-guard.js';

/** The records an install writes: its backup record, its journal, the state it commits, its trial record, and the tree's listing on a first install. */
export function recordsOf(reader: PackReader, plan: { transitions: Transition[]; keptDirectories: string[]; state: InstalledState | null; listing: InstalledTree | undefined; olds: ReadonlyMap<string, OldNode>; txid: string; pinnedKey: string | undefined; health: TrialPlan; keepBackups: number | undefined }) {
  const { transitions, state, txid, pinnedKey } = plan;
  const manifest = reader.manifest;
  const naming = namingFor(transitions, txid);
  const listing = plan.listing === undefined ? undefined : listingBefore(plan.listing, transitions);
  const before = stateBefore(state, manifest, txid, listing);
  const changes = treeChangesOf(manifest, transitions, plan.keptDirectories);
  const record: BackupRecord = {
    recordVersion: 2, txid, packId: reader.packId, ...versions(manifest), transitions,
    stateBefore: before, treeChanges: changes.files, ownerChanges: changes.owners,
    ...(manifest.hooks === undefined ? {} : { hooks: manifest.hooks }),
    setAside: setAsideStamps(plan.olds),
  };
  const journal: Journal = {
    journalVersion: 1, txid, kind: 'install', steps: planSteps(transitions, naming),
    afterCommit: [stagingDirOf(txid)],
    afterRollback: [stagingDirOf(txid), backupDirOf(txid), ...(listing === undefined ? [] : [listingOf(txid)]), ...(pinnedKey === undefined ? [] : [pinFileOf(pinnedKey)]), ...(plan.health === null ? [] : [TRIAL_FILE])],
  };
  const trial: TrialRecord | undefined = plan.health === null ? undefined : { trialVersion: 1, txid, fromVersion: manifest.fromVersion, toVersion: manifest.toVersion, health: plan.health };
  const nextState = stateAfter(before, manifest, reader.packId, txid, plan.keepBackups);
  return { naming, record, journal, trial, nextState, listing: listing === undefined ? undefined : { tree: listing, text: listingText(txid, listing) } };
}
/** The bytes each record will hold on disk, as written by writeBackupRecord, writeJournal and writeState. */
export function sizesOf(record: BackupRecord, journal: Journal, nextState: InstalledState, keyToPin: PublicKey | undefined, trial: TrialRecord | undefined, listing: { text: string } | undefined): RecordSizes {
  return {
    pin: keyToPin === undefined ? 0 : Buffer.byteLength(formatPublicKey(keyToPin)),
    // The trial record lives beside the backup record for as long, and the tree's listing (a first
    // install) is one more record file: counted with it.
    record: Buffer.byteLength(`${JSON.stringify(record)}\n`) + (trial === undefined ? 0 : Buffer.byteLength(`${JSON.stringify(trial)}\n`)) + (listing === undefined ? 0 : Buffer.byteLength(listing.text)),
    journal: Buffer.byteLength(`${JSON.stringify(journal)}\n`),
    state: Buffer.byteLength(stateText(nextState)),
  };
}
/** The stamps of the regular files set aside, for finding writes made to them later (backup-writes.ts). */
function setAsideStamps(olds: ReadonlyMap<string, OldNode>): Record<string, SetAsideStamp> {
  const stamps: Record<string, SetAsideStamp> = {};
  for (const [p, o] of olds) if (o.stamp !== undefined) stamps[p] = setAsideStampOf(o.stamp);
  return stamps;
}
function namingFor(transitions: readonly Transition[], txid: string): StepNaming {
  const index = new Map<string, number>();
  transitions.forEach((t, n) => index.set(t.path, n));
  return {
    incoming: (p) => `${stagingDirOf(txid)}/${index.get(p)}`,
    aside: (p) => `${backupFilesOf(txid)}/${p}`,
  };
}
/** The product and the two versions, as results and records name them. */
export function versions(m: Manifest) {
  return { product: m.product, fromVersion: m.fromVersion, toVersion: m.toVersion };
}
/**
 * The listing written on a first install: the tree as found, the paths the install changes as the
 * preflight read them (their modes, and the owners the new files keep), since uninstall puts back exactly those.
 */
function listingBefore(found: InstalledTree, transitions: readonly Transition[]): InstalledTree {
  const files = new Map(found.files);
  const owners = new Map(found.owners);
  for (const t of transitions) {
    if (t.from !== null) files.set(t.path, t.from);
    if (t.owner !== undefined) owners.set(t.path, t.owner);
  }
  return { files, owners };
}
/**
 * The state uninstall puts back: the state as it was, or, when this install writes the tree's listing
 * (a first install, or a state that still holds the whole tree inline), one that names that listing.
 */
function stateBefore(state: InstalledState | null, manifest: Manifest, txid: string, listing: InstalledTree | undefined): BackupRecord['stateBefore'] {
  if (listing === undefined && state !== null) {
    const { lastTransaction: _, ...rest } = state;
    return rest;
  }
  const tree = manifest.baseTree === undefined ? commitTree(listing!.files) : { nodes: manifest.baseTree.nodes, sha256: manifest.baseTree.sha256 };
  return {
    stateVersion: STATE_VERSION, product: manifest.product, version: state?.version ?? manifest.fromVersion, history: state?.history ?? [],
    record: { listing: txid, changes: [] }, tree,
  };
}
/**
 * What the install changes in the record of the whole tree, in O(change): each path it adds, changes or
 * removes gets the release's node, or the node it installed (its mode) where it made one; directories it
 * kept because they hold unknown files keep their record; the owners it kept replace recorded ones.
 */
function treeChangesOf(manifest: Manifest, transitions: readonly Transition[], kept: readonly string[]) {
  const files: Record<string, TreeNode | null> = {};
  const owners: Record<string, Owner | null> = {};
  for (const e of manifest.entries) {
    if (e.action === 'keep') continue;
    files[e.path] = e.new ?? null;
    owners[e.path] = null;
  }
  for (const t of transitions) {
    files[t.path] = t.to;
    if (t.owner !== undefined) owners[t.path] = t.owner;
  }
  for (const k of kept) delete files[k];
  return { files, owners };
}
/** The state after the install: the state before with this install's changes added to the tree's record. */
function stateAfter(before: BackupRecord['stateBefore'], manifest: Manifest, packId: string, txid: string, keepBackups: number | undefined): InstalledState {
  const record = before.record ?? { listing: txid, changes: [] };
  return {
    stateVersion: STATE_VERSION, product: manifest.product, version: manifest.toVersion, lastTransaction: txid,
    history: retain([...before.history, { txid, packId, fromVersion: manifest.fromVersion, toVersion: manifest.toVersion, installedAt: new Date().toISOString() }], keepBackups),
    record: { listing: record.listing, changes: [...record.changes, txid] },
    ...(manifest.resultTree === undefined ? {} : { tree: { nodes: manifest.resultTree.nodes, sha256: manifest.resultTree.sha256 } }),
  };
}
