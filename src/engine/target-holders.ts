// Who holds the target around a transaction. Before the commit: holders of the paths it changes or
// removes, plus every process whose executable, cwd or root is in the target (an interpreter holds no
// mapping of its scripts). After the commit: the processes that still run old code (docs/holders.md).
import { findHolders } from '../inuse/find-holders.js';
import type { Holder, HolderReport, TargetFile, Uninspectable } from '../inuse/holder.js';
import { targetFiles } from '../inuse/target-files.js';
import type { Transition } from '../planner/transition.js';
import { STATE_DIR_NAME, backupFilesOf } from '../records/layout.js';
import type { TxContext } from '../records/tx-context.js';

/** A process that may still run the old version after a commit, and why we think so. */
export interface StaleProcess extends Holder {
  /**
   * 'set-aside': it holds the old version of `path` (now only reachable in the backup);
   * 'started-before-commit': its executable, cwd or root is in the target and it started before the commit.
   */
  reason: 'set-aside' | 'started-before-commit';
  /**
   * True when it runs the old version: it executes, maps or has open a set-aside file, so a restart is
   * needed. False when it only may need one: its executable, cwd or root is in the target and it started
   * before the commit (a shell sitting there, an interpreter) (docs/holders.md, "The restart report").
   */
  runsOldVersion: boolean;
}

export interface StaleReport {
  staleProcesses: StaleProcess[];
  uninspectable: Uninspectable[];
}

const placeKinds = new Set(['exe', 'cwd', 'root']);
const outsideState = (rel: string): boolean => rel === STATE_DIR_NAME;
const inState = (rel: string): boolean => rel === STATE_DIR_NAME || rel.startsWith(`${STATE_DIR_NAME}/`);

/**
 * What a transaction scans for: the paths it changes or removes, and every process whose executable,
 * cwd or root is in the target. Where the platform reads those places by path, only the changed paths
 * are listed (work in proportion to the change); elsewhere the whole target is.
 */
function scanTarget(ctx: TxContext, changed: Iterable<string>, more: TargetFile[] = []): HolderReport {
  const { target } = ctx.layout;
  if (ctx.platform.scansPlacesByPath !== true) return findHolders(ctx.platform, [...targetFiles(target, [''], { exclude: outsideState }), ...more]);
  const files = [...targetFiles(target, [...changed], { shallow: true }), ...more];
  return findHolders(ctx.platform, files, { placesUnder: { root: target, exclude: inState } });
}

/** Holders that make a restart necessary once `transitions` commit (reads only). */
export function holdersBefore(ctx: TxContext, transitions: readonly Transition[]): HolderReport {
  const changed = new Set(transitions.filter((t) => t.from !== null).map((t) => t.path));
  const report = scanTarget(ctx, changed);
  return { ...report, holders: report.holders.filter((h) => changed.has(h.path) || placeKinds.has(h.kind)) };
}

/** Processes still running old code after transaction `txid` committed at `commitTime` (ms since the epoch). */
export function staleAfter(ctx: TxContext, txid: string, commitTime: number): StaleReport {
  const prefix = `${STATE_DIR_NAME}/${backupFilesOf(txid)}/`;
  // Only places count among the target's own paths: the changed ones hold the new version now.
  const report = scanTarget(ctx, [], targetFiles(ctx.layout.target, [prefix.slice(0, -1)]).filter((f) => f.type !== 'dir'));
  const staleProcesses: StaleProcess[] = [];
  for (const h of report.holders) {
    if (h.path.startsWith(prefix)) staleProcesses.push({ ...h, path: h.path.slice(prefix.length), reason: 'set-aside', runsOldVersion: true });
    else if (placeKinds.has(h.kind) && Date.parse(h.startedAt) < commitTime) staleProcesses.push({ ...h, reason: 'started-before-commit', runsOldVersion: false });
  }
  return { staleProcesses, uninspectable: report.uninspectable };
}

/** Holders grouped by path, for the per-action view. */
export function holdersByPath(holders: readonly Holder[]): Map<string, Holder[]> {
  const m = new Map<string, Holder[]>();
  for (const h of holders) m.set(h.path, [...(m.get(h.path) ?? []), h]);
  return m;
}
