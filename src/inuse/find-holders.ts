// Finds the processes holding any of a set of files: the platform matches device+inode in every
// process; this turns its raw holds into Holders with target paths and process facts.
import type { Platform, ScanOptions } from '../platform/index.js';
import type { Holder, HolderReport, TargetFile } from './holder.js';

/**
 * `pids` limits the scan to those processes; `secondThread` (read-only callers only; see ScanOptions)
 * lets a long scan use a second thread.
 */
export function findHolders(platform: Platform, files: readonly TargetFile[], options: { pids?: readonly number[]; secondThread?: ScanOptions['secondThread'] } = {}): HolderReport {
  if (files.length === 0) return { holders: [], uninspectable: [], inspected: 0 };
  const scan = platform.scanHolds(files, options.pids, { facts: true, secondThread: options.secondThread ?? 'off' });
  const holders: Holder[] = [];
  for (const p of scan.found) {
    // A process that exited between its holds and its facts is not in `found`: it holds nothing any more.
    for (const h of p.holds) holders.push({ pid: p.pid, path: files[h.index]!.path, kind: h.kind, ...p.facts! });
  }
  holders.sort((a, b) => a.pid - b.pid || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { holders, uninspectable: scan.uninspectable, inspected: scan.inspected };
}
