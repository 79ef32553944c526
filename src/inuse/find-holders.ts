// Finds the processes holding any of a set of files: the platform matches device+inode in every
// process; this turns its raw holds into Holders with target paths and process facts.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { strongerHold, type HoldKind, type Platform, type ScanOptions } from '../platform/index.js';
import type { Holder, HolderReport, TargetFile } from './holder.js';

/** Where processes running from a directory are looked for by path (ScanOptions.placesUnder). */
export interface PlacesUnder {
  /** The directory (the target); holders' paths are relative to it. */
  root: string;
  /** Relative paths not to report (servicepack's own directory). */
  exclude?: (rel: string) => boolean;
}

/**
 * `pids` limits the scan to those processes; `secondThread` (read-only callers only; see ScanOptions)
 * lets a long scan use a second thread. `placesUnder` (platforms with scansPlacesByPath) also reports
 * the processes whose executable, cwd or root is in that directory, without listing it.
 */
export function findHolders(platform: Platform, files: readonly TargetFile[], options: { pids?: readonly number[]; secondThread?: ScanOptions['secondThread']; placesUnder?: PlacesUnder } = {}): HolderReport {
  const under = options.placesUnder === undefined || platform.scansPlacesByPath !== true ? undefined : options.placesUnder;
  if (files.length === 0 && under === undefined) return { holders: [], uninspectable: [], inspected: 0 };
  // The kernel names places by their real path: compare with the target's.
  const real = under === undefined ? undefined : fs.realpathSync(under.root);
  const scan = platform.scanHolds(files, options.pids, { facts: true, secondThread: options.secondThread ?? 'off', ...(real === undefined ? {} : { placesUnder: real }) });
  const holders: Holder[] = [];
  for (const p of scan.found) {
    // A process that exited between its holds and its facts is not in `found`: it holds nothing any more.
    const mine = new Map<string, HoldKind>();
    const add = (rel: string, kind: HoldKind): void => {
      const had = mine.get(rel);
      if (strongerHold(kind, had)) mine.set(rel, kind);
    };
    for (const h of p.holds) add(files[h.index]!.path, h.kind);
    for (const place of p.places ?? []) {
      const rel = path.relative(real!, place.path).split(path.sep).join('/');
      if (under!.exclude?.(rel) !== true) add(rel, place.kind);
    }
    for (const [rel, kind] of mine) holders.push({ pid: p.pid, path: rel, kind, ...p.facts! });
  }
  holders.sort((a, b) => a.pid - b.pid || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { holders, uninspectable: scan.uninspectable, inspected: scan.inspected };
}
