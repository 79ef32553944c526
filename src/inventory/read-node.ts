// Reads what is on disk at one path as a TreeNode, without following a final symlink.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { hasErrno } from '../errors/index.js';
import { hashFile } from '../format/hash.js';
import type { TreeNode } from '../format/manifest.js';
import { snapshotFile, type FileSnapshot } from './file-snapshot.js';

/** The owner of what is on disk at a path. */
export interface Owner {
  uid: number;
  gid: number;
}

/** The node at `root/rel`, or null when nothing is there. FIFOs, sockets and devices read as 'other'. */
export function readNode(root: string, rel: string): TreeNode | null {
  return readNodeOwned(root, rel).node;
}

/** readNode, with the owner of what is there (files and directories; not links, whose owner nothing records). */
export function readNodeOwned(root: string, rel: string): { node: TreeNode | null; owner?: Owner } {
  const abs = path.join(root, rel);
  const st = lstatOrNull(abs);
  if (st === null) return { node: null };
  if (st.isSymbolicLink()) return { node: { type: 'symlink', target: fs.readlinkSync(abs) } };
  const owner = { uid: st.uid, gid: st.gid };
  if (st.isDirectory()) return { node: { type: 'dir', mode: st.mode & 0o7777 }, owner };
  if (st.isFile()) {
    const { sha256, size } = hashFile(abs);
    return { node: { type: 'file', sha256, size, mode: st.mode & 0o7777 }, owner };
  }
  // Not a type a pack can describe: report it as a symlink-free, never-matching file.
  return { node: { type: 'file', sha256: `not-a-regular-file(mode ${st.mode.toString(8)})`, size: 0, mode: 0 } };
}

/** Like readNodeOwned, but a regular file is read whole and its content kept (see file-snapshot.ts). */
export function readNodeKeeping(root: string, rel: string): { node: TreeNode | null; owner?: Owner; content?: FileSnapshot } {
  const abs = path.join(root, rel);
  const st = lstatOrNull(abs);
  if (st === null || !st.isFile()) return readNodeOwned(root, rel);
  const content = snapshotFile(abs);
  return { node: { type: 'file', sha256: content.sha256, size: content.bytes.length, mode: st.mode & 0o7777 }, owner: { uid: st.uid, gid: st.gid }, content };
}

function lstatOrNull(abs: string): fs.Stats | null {
  try {
    return fs.lstatSync(abs);
  } catch (err) {
    if (hasErrno(err, 'ENOENT', 'ENOTDIR')) return null;
    throw err;
  }
}

/** Names inside a directory, sorted; empty for a missing directory. */
export function listDir(root: string, rel: string): string[] {
  try {
    return fs.readdirSync(path.join(root, rel)).sort();
  } catch (err) {
    if (hasErrno(err, 'ENOENT', 'ENOTDIR')) return [];
    throw err;
  }
}
