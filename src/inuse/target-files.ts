// Lists the entries of a target with their device+inode (lstat, no hashing). A symlink is listed as
// 'other' and never followed: a process holds what a link points to, which is listed under its own path.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { hasErrno } from '../errors/index.js';
import { ioFailed } from '../fs/io-error.js';
import type { TargetFile } from './holder.js';

/**
 * Every entry under each of `rels` (relative to `root`, '' for the root itself), the
 * starting points included; with `shallow`, the starting points only. Paths that do not exist are
 * skipped; entries vanishing mid-walk too.
 */
export function targetFiles(root: string, rels: readonly string[], opts: { exclude?: (rel: string) => boolean; shallow?: boolean } = {}): TargetFile[] {
  const out: TargetFile[] = [];
  const seen = new Set<string>();
  const pending = [...rels];
  while (pending.length > 0) {
    const rel = pending.pop()!;
    if (seen.has(rel) || opts.exclude?.(rel) === true) continue;
    seen.add(rel);
    const abs = rel === '' ? root : path.join(root, rel);
    const st = lstatOrNull(abs);
    if (st === null) continue;
    if (!st.isDirectory()) {
      out.push({ path: rel, dev: st.dev, ino: st.ino, type: st.isFile() ? 'file' : 'other' });
      continue;
    }
    out.push({ path: rel, dev: st.dev, ino: st.ino, type: 'dir' });
    if (opts.shallow === true) continue;
    for (const name of readdirOrEmpty(abs)) pending.push(rel === '' ? name : `${rel}/${name}`);
  }
  return out;
}

function lstatOrNull(p: string): fs.Stats | null {
  try {
    return fs.lstatSync(p);
  } catch (err) {
    if (hasErrno(err, 'ENOENT', 'ENOTDIR')) return null;
    throw ioFailed(err, 'lstat', p);
  }
}

function readdirOrEmpty(dir: string): string[] {
  try {
    return fs.readdirSync(dir);
  } catch (err) {
    if (hasErrno(err, 'ENOENT', 'ENOTDIR')) return [];
    throw ioFailed(err, 'readdir', dir);
  }
}
