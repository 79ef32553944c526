// Finds where a loaded module's file went when the name the process gives for it no longer has its
// image (Wine keeps the name a module was loaded under, also after a rename): the files with the keys'
// identities in the directories above the old name, nearest first, whose headers are the image's.
import { readdirSync, statSync, type Dirent } from 'node:fs';
import { hasErrno } from '../../errors/index.js';
import type { FileKey } from '../holds.js';
import { readHead } from './file-identity.js';
import { keyString, type ScanState } from './scan-state.js';

/** Entries one scan lists at most while looking for moved modules (a guard against walking a whole drive). */
const WALK_BUDGET = 50_000;

interface KeyFile {
  path: string;
  key: FileKey;
}

/** What one scan has learnt: key files below each walked directory, headers read, entries left to list. */
export interface MovedImageSearch {
  walked: Map<string, KeyFile[]>;
  heads: Map<string, Buffer | null>;
  budget: { left: number };
}

export function movedImageSearch(): MovedImageSearch {
  return { walked: new Map(), heads: new Map(), budget: { left: WALK_BUDGET } };
}

/**
 * The keys whose files hold the image `memory` (headers compared by `sameImage`), searched below each
 * directory above `oldPath` in turn until one has any. Identical copies cannot be told apart by their
 * headers: the ones that kept the module's file name are preferred (a set-aside keeps it), else all.
 */
export function findMovedImage(state: ScanState, search: MovedImageSearch, oldPath: string, memory: Buffer, sameImage: (memory: Buffer, file: Buffer) => boolean, headBytes: number): FileKey[] {
  const name = baseName(oldPath).toLowerCase();
  for (const dir of ancestors(oldPath)) {
    const matches = keyFilesBelow(state, search, dir).filter((f) => {
      if (!search.heads.has(f.path)) search.heads.set(f.path, readHead(f.path, headBytes));
      const head = search.heads.get(f.path)!;
      return head !== null && sameImage(memory, head);
    });
    if (matches.length === 0) continue;
    const named = matches.filter((m) => baseName(m.path).toLowerCase() === name);
    return (named.length > 0 ? named : matches).map((m) => m.key);
  }
  return [];
}

/** The files below `root` whose identity is one of the keys; subtrees walked before are reused. */
function keyFilesBelow(state: ScanState, search: MovedImageSearch, root: string): KeyFile[] {
  const done = search.walked.get(root);
  if (done !== undefined) return done;
  const out: KeyFile[] = [];
  const pending = [root];
  while (pending.length > 0 && search.budget.left > 0) {
    const dir = pending.pop()!;
    const before = dir === root ? undefined : search.walked.get(dir);
    if (before !== undefined) {
      out.push(...before);
      continue;
    }
    for (const entry of listOrEmpty(dir)) {
      search.budget.left--;
      const path = `${dir}\\${entry.name}`;
      // Junctions and symbolic links are not followed: a file is found under its own directory.
      if (entry.isDirectory()) pending.push(path);
      else if (entry.isFile()) {
        const st = statOrNull(path);
        if (st !== null && state.byKey.has(keyString(st))) out.push({ path, key: { dev: st.dev, ino: st.ino } });
      }
    }
  }
  search.walked.set(root, out);
  return out;
}

function listOrEmpty(dir: string): Dirent[] {
  try {
    return readdirSync(dir, { withFileTypes: true });
  } catch (err) {
    // Gone, or not ours to list: nothing of the target can be learnt there.
    if (hasErrno(err, 'ENOENT', 'ENOTDIR', 'EACCES', 'EPERM', 'EBUSY')) return [];
    throw err;
  }
}

function statOrNull(path: string): { dev: number; ino: number } | null {
  try {
    return statSync(path);
  } catch (err) {
    if (hasErrno(err, 'ENOENT', 'EACCES', 'EPERM', 'EBUSY')) return null;
    throw err;
  }
}

/** The directories above `path`, nearest first, without a drive's root (on Wine's Z: that is all of Linux). */
function ancestors(path: string): string[] {
  const out: string[] = [];
  let dir = path;
  for (;;) {
    const cut = Math.max(dir.lastIndexOf('\\'), dir.lastIndexOf('/'));
    if (cut <= 0) break;
    dir = dir.slice(0, cut);
    if (/^(\\\\\?\\)?[A-Za-z]:$/.test(dir) || /\\\\\?\\GLOBALROOT\\Device\\[^\\]+$/i.test(dir)) break;
    out.push(dir);
  }
  return out;
}

function baseName(path: string): string {
  return path.slice(Math.max(path.lastIndexOf('\\'), path.lastIndexOf('/')) + 1);
}
