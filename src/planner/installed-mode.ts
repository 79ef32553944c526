// PURE: the mode an install gives a file or directory, so that it is never more accessible than both the
// release and what it replaces (docs/format.md, "Modes, owners and links at install").
import type { TreeNode } from '../format/manifest.js';

const READ_WRITE = 0o666;
const EXECUTE = 0o111;
const SET_ID = 0o6000;
const STICKY = 0o1000;

/**
 * The installed mode of a node of the release with mode `release` that replaces a node of the same type
 * with mode `replaced` (undefined: nothing of that type is replaced, the release mode is used as is).
 * - read and write: in both; setuid and setgid: in both; sticky (it only restricts): in either;
 * - files: execute for a class the release lets execute, if that class may read the installed file or
 *   could execute the replaced one (so a release can make a file executable without widening who can
 *   use it);
 * - directories: execute (search) in both, like read and write.
 */
export function installedMode(type: 'file' | 'dir', release: number, replaced: number | undefined): number {
  if (replaced === undefined) return release;
  const readWrite = release & replaced & READ_WRITE;
  const execute = type === 'dir' ? release & replaced & EXECUTE : release & EXECUTE & ((readWrite >> 2) | replaced);
  return readWrite | execute | (release & replaced & SET_ID) | ((release | replaced) & STICKY);
}

/** The mode of the replaced node when it is of the same type as `release` (file or directory). */
export function replacedMode(release: TreeNode, replaced: TreeNode | null | undefined): number | undefined {
  if (release.type === 'symlink' || replaced === null || replaced === undefined || replaced.type !== release.type) return undefined;
  return replaced.mode;
}

/** The mode a group of installed names of one inode gets: every bit all of them allow, sticky if any has it. */
export function commonMode(modes: readonly number[]): number {
  let all = 0o7777;
  let sticky = 0;
  for (const m of modes) {
    all &= m;
    sticky |= m & STICKY;
  }
  return (all & ~STICKY) | sticky;
}
