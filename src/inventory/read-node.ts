// Reads what is on disk at one path as a TreeNode, without following a final symlink.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { hasErrno } from '../errors/index.js';
import { ioFailed } from '../fs/io-error.js';
import { hashFile } from '../format/hash.js';
import type { TreeNode } from '../format/manifest.js';
import type { BackgroundHasher } from '../platform/index.js';
import { snapshotFile, snapshotLater, stampOf, type FileSnapshot, type FileStamp, type LaterSnapshot } from './file-snapshot.js';

/** The owner of what is on disk at a path. */
export interface Owner {
  uid: number;
  gid: number;
}

/** The node at `root/rel`, or null when nothing is there. FIFOs, sockets and devices read as 'other'. */
export function readNode(root: string, rel: string): TreeNode | null {
  return readNodeStamped(root, rel).node;
}

/**
 * Like readNode, with the owner of a file or directory (not of links, whose owner nothing records) and a
 * regular file's stamp (device, inode, size, modification and change time) taken before its content is
 * hashed: a write during or after the hash shows as a different stamp.
 */
export function readNodeStamped(root: string, rel: string): { node: TreeNode | null; owner?: Owner; stamp?: FileStamp } {
  const abs = path.join(root, rel);
  let st: fs.BigIntStats;
  try {
    st = fs.lstatSync(abs, { bigint: true });
  } catch (err) {
    if (hasErrno(err, 'ENOENT', 'ENOTDIR')) return { node: null };
    throw ioFailed(err, 'lstat', abs);
  }
  if (st.isSymbolicLink()) return { node: { type: 'symlink', target: reading(abs, 'readlink', () => fs.readlinkSync(abs)) } };
  const owner = { uid: Number(st.uid), gid: Number(st.gid) };
  const mode = Number(st.mode & 0o7777n);
  if (st.isDirectory()) return { node: { type: 'dir', mode }, owner };
  if (st.isFile()) {
    const { sha256, size } = reading(abs, 'read', () => hashFile(abs));
    return { node: { type: 'file', sha256, size, mode }, owner, stamp: stampOf(st) };
  }
  // Not a type a pack can describe: report it as a symlink-free, never-matching file.
  return { node: { type: 'file', sha256: `not-a-regular-file(mode ${st.mode.toString(8)})`, size: 0, mode: 0 } };
}

/**
 * Like readNodeStamped, but a regular file is read whole and its content kept (see file-snapshot.ts).
 * With a `hasher`, the file's sha256 (in the node and the content) is filled in only by `later.settle`.
 */
export function readNodeKeeping(root: string, rel: string, hasher?: BackgroundHasher): { node: TreeNode | null; owner?: Owner; content?: FileSnapshot; stamp?: FileStamp; later?: LaterSnapshot } {
  const abs = path.join(root, rel);
  const st = lstatOrNull(abs);
  if (st === null || !st.isFile()) return readNodeStamped(root, rel);
  const later = hasher === undefined ? undefined : reading(abs, 'read', () => snapshotLater(abs, hasher));
  const content = later?.snapshot ?? reading(abs, 'read', () => snapshotFile(abs));
  const node = { type: 'file' as const, sha256: content.sha256, size: content.bytes.length, mode: st.mode & 0o7777 };
  const read = { node, owner: { uid: st.uid, gid: st.gid }, content, stamp: content.stamp };
  if (later === undefined) return read;
  // The node's sha256 follows the snapshot's once it is known.
  const known = (): void => void (node.sha256 = content.sha256);
  return { ...read, later: { snapshot: content, takeBack: () => later.takeBack() && (known(), true), settle: () => (later.settle(), known()) } };
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
