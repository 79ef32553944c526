// The guard that keeps every write inside a target: before a step touches `root/rel`, each directory
// from `root` down to the parent of `rel` is lstat'ed (never followed) and must be a real directory on
// root's device. A symlink planted on the way, before or during a transaction, is refused instead of
// written through. The check and the following syscall are two steps (see docs/trust.md for this
// window); the final component itself is never followed by the primitives that come after it.
import * as fs from 'node:fs';
import { ServicePackError, hasErrno } from '../errors/index.js';

/**
 * The directories of one target that one run of steps has already checked, each with the device and
 * inode it had. With it, a step re-checks only its deepest checked ancestor (one lstat) and walks only
 * below it: without it, a step at depth d makes d lstats of paths up to d components long, and a deep
 * tree's steps cost d^3 (depth 2047: minutes).
 */
export interface CheckedDirs {
  device?: number;
  dirs: Map<string, { dev: number; ino: number }>;
}

export const checkedDirs = (): CheckedDirs => ({ dirs: new Map() });

/**
 * Throws TARGET_UNSAFE unless every ancestor of `root/rel` below `root` is a real directory on root's
 * device. With `checked`, an ancestor checked before counts when the same path still lstats to the
 * same directory (device and inode); the walk goes on below the deepest such ancestor.
 */
export function checkBeneath(root: string, rel: string, checked?: CheckedDirs): void {
  const components = rel.split('/');
  if (components.some((c) => c === '' || c === '.' || c === '..')) throw unsafe(root, rel, 'the path is not a plain relative path');
  const device = checked === undefined ? fs.statSync(root).dev : (checked.device ??= fs.statSync(root).dev);
  // ends[i]: where the i-th ancestor's path ends in `rel` (ancestor i is components 0..i).
  const ends: number[] = [];
  for (let i = 0, at = -1; i < components.length - 1; i++) ends.push((at += components[i]!.length + 1));
  const base = root.endsWith('/') ? root : `${root}/`;
  const abs = (i: number): string => base + rel.slice(0, ends[i]);
  let from = 0;
  if (checked !== undefined) {
    for (let i = ends.length - 1; i >= 0; i--) {
      const key = rel.slice(0, ends[i]);
      const known = checked.dirs.get(key);
      if (known === undefined) continue;
      const st = lstatOrNull(base + key);
      if (st !== null && st.isDirectory() && st.dev === known.dev && st.ino === known.ino) {
        from = i + 1;
        break;
      }
      checked.dirs.delete(key); // changed since: walk it again
    }
  }
  for (let i = from; i < ends.length; i++) {
    const st = lstatOrNull(abs(i));
    if (st === null) return; // nothing below a missing directory exists either
    const where = (): string => JSON.stringify(rel.slice(0, ends[i]));
    if (st.isSymbolicLink()) throw unsafe(root, rel, `${where()} is a symlink`);
    if (!st.isDirectory()) throw unsafe(root, rel, `${where()} is not a directory`);
    if (st.dev !== device) throw unsafe(root, rel, `${where()} is on another file system`);
    checked?.dirs.set(rel.slice(0, ends[i]), { dev: st.dev, ino: st.ino });
  }
}

function lstatOrNull(p: string): fs.Stats | null {
  try {
    return fs.lstatSync(p);
  } catch (err) {
    if (hasErrno(err, 'ENOENT')) return null;
    throw err;
  }
}

function unsafe(target: string, rel: string, reason: string): ServicePackError<'TARGET_UNSAFE'> {
  return new ServicePackError('TARGET_UNSAFE', `refusing to write ${JSON.stringify(rel)} in ${target}: ${reason}`, {
    hint: 'Something in the target is a symlink or mount where servicepack expects a directory; it will not write through it. Inspect the named path, then run `servicepack recover --target <dir>` if a transaction is left.',
    details: { target, path: rel, reason },
  });
}
