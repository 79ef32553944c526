// The guard that keeps every write inside a target: before a step touches `root/rel`, each directory
// from `root` down to the parent of `rel` is lstat'ed (never followed) and must be a real directory on
// root's device. A symlink planted on the way, before or during a transaction, is refused instead of
// written through. The check and the following syscall are two steps (see docs/trust.md for this
// window); the final component itself is never followed by the primitives that come after it.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ServicePackError, hasErrno } from '../errors/index.js';

/** Throws TARGET_UNSAFE unless every ancestor of `root/rel` below `root` is a real directory on root's device. */
export function checkBeneath(root: string, rel: string): void {
  const components = rel.split('/');
  if (components.some((c) => c === '' || c === '.' || c === '..')) throw unsafe(root, rel, 'the path is not a plain relative path');
  const device = fs.statSync(root).dev;
  let dir = root;
  for (let i = 0; i < components.length - 1; i++) {
    dir = path.join(dir, components[i]!);
    let st: fs.Stats;
    try {
      st = fs.lstatSync(dir);
    } catch (err) {
      if (hasErrno(err, 'ENOENT')) return; // nothing below a missing directory exists either
      throw err;
    }
    const where = JSON.stringify(components.slice(0, i + 1).join('/'));
    if (st.isSymbolicLink()) throw unsafe(root, rel, `${where} is a symlink`);
    if (!st.isDirectory()) throw unsafe(root, rel, `${where} is not a directory`);
    if (st.dev !== device) throw unsafe(root, rel, `${where} is on another file system`);
  }
}

function unsafe(target: string, rel: string, reason: string): ServicePackError<'TARGET_UNSAFE'> {
  return new ServicePackError('TARGET_UNSAFE', `refusing to write ${JSON.stringify(rel)} in ${target}: ${reason}`, {
    hint: 'Something in the target is a symlink or mount where servicepack expects a directory; it will not write through it. Inspect the named path, then run `servicepack recover --target <dir>` if a transaction is left.',
    details: { target, path: rel, reason },
  });
}
