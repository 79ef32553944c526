// Reads what is on disk at one path as a TreeNode, without following a final symlink.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { hasErrno } from '../errors/index.js';
import { ioFailed } from '../fs/io-error.js';
import { hashFile } from '../format/hash.js';
import type { TreeNode } from '../format/manifest.js';
import { snapshotFile, type FileSnapshot } from './file-snapshot.js';

/** The node at `root/rel`, or null when nothing is there. FIFOs, sockets and devices read as 'other'. */
export function readNode(root: string, rel: string): TreeNode | null {
  const abs = path.join(root, rel);
  const st = lstatOrNull(abs);
  if (st === null) return null;
  if (st.isSymbolicLink()) return { type: 'symlink', target: reading(abs, 'readlink', () => fs.readlinkSync(abs)) };
  if (st.isDirectory()) return { type: 'dir' };
  if (st.isFile()) {
    const { sha256, size } = reading(abs, 'read', () => hashFile(abs));
    return { type: 'file', sha256, size, executable: (st.mode & 0o100) !== 0 };
  }
  // Not a type a pack can describe: report it as a symlink-free, never-matching file.
  return { type: 'file', sha256: `not-a-regular-file(mode ${st.mode.toString(8)})`, size: 0, executable: false };
}

/** Like readNode, but a regular file is read whole and its content kept (see file-snapshot.ts). */
export function readNodeKeeping(root: string, rel: string): { node: TreeNode | null; content?: FileSnapshot } {
  const abs = path.join(root, rel);
  const st = lstatOrNull(abs);
  if (st === null || !st.isFile()) return { node: readNode(root, rel) };
  const content = reading(abs, 'read', () => snapshotFile(abs));
  return { node: { type: 'file', sha256: content.sha256, size: content.bytes.length, executable: (st.mode & 0o100) !== 0 }, content };
}

function lstatOrNull(abs: string): fs.Stats | null {
  try {
    return fs.lstatSync(abs);
  } catch (err) {
    if (hasErrno(err, 'ENOENT', 'ENOTDIR')) return null;
    throw ioFailed(err, 'lstat', abs);
  }
}

/** A read of the target that fails with a system error (EACCES, ENAMETOOLONG, EIO) is IO_FAILED naming the path. */
function reading<T>(abs: string, operation: string, step: () => T): T {
  try {
    return step();
  } catch (err) {
    if (typeof (err as NodeJS.ErrnoException | null)?.syscall === 'string') throw ioFailed(err, operation, abs);
    throw err;
  }
}

/** Names inside a directory, sorted; empty for a missing directory. */
export function listDir(root: string, rel: string): string[] {
  try {
    return fs.readdirSync(path.join(root, rel)).sort();
  } catch (err) {
    if (hasErrno(err, 'ENOENT', 'ENOTDIR')) return [];
    throw ioFailed(err, 'readdir', path.join(root, rel));
  }
}
