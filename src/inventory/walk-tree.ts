// Describes a directory tree as entry path -> node, sorted by path: lstat-based, symlinks recorded and
// never followed, regular files hashed, directories (empty ones too) included, the root itself not.
// Files and directories carry their mode (0o7777 bits); files sharing an inode name the first of them
// in path order as their `hardlink`.
import { lstatSync, readdirSync, readlinkSync, statSync } from 'node:fs';
import type { Stats } from 'node:fs';
import { join } from 'node:path';
import { comparePaths } from '../format/paths.js';
import { hashFile } from '../format/hash.js';
import type { TreeNode } from '../format/manifest.js';
import { buildInputError as buildInput } from './build-input-error.js';

export interface WalkOptions {
  /** Top-level names to skip entirely (comparing installed trees without '.servicepack'). */
  exclude?: string[];
  /** Top-level names a release tree may not hold (BUILD_INPUT naming them), e.g. '.servicepack'. */
  refuse?: string[];
  /** Leave out FIFOs, sockets and devices instead of refusing them (an installed tree, not a release). */
  skipSpecial?: boolean;
  /**
   * The sha256 of the regular file at `rel` when the caller already knows it for this very version of
   * the file (e.g. hashed moments ago, and its stamp unchanged), else undefined: the file is not read again.
   */
  knownHash?: (rel: string, abs: string) => string | undefined;
}

/**
 * Walks `root`: BUILD_INPUT when it is missing or not a directory, or when the tree holds a FIFO,
 * socket or device, a name or link target that is not UTF-8, or something unreadable.
 */
export function walkTree(root: string, opts: WalkOptions = {}): Map<string, TreeNode> {
  const rootStats = attempt(root, () => statSync(root));
  if (!rootStats.isDirectory()) throw buildInput(root, 'it is not a directory');
  const exclude = new Set(opts.exclude ?? []);
  const refuse = new Set(opts.refuse ?? []);
  const found: [string, TreeNode][] = [];
  /** Files with more than one name: path -> device:inode. */
  const inodes = new Map<string, string>();
  const pending: string[] = [''];
  while (pending.length > 0) {
    const dir = pending.pop() as string;
    const absDir = dir === '' ? root : join(root, dir);
    for (const raw of attempt(absDir, () => readdirSync(absDir, { encoding: 'buffer' }))) {
      const name = utf8(raw, join(absDir, raw.toString('utf8')), 'its name');
      if (dir === '' && exclude.has(name)) continue;
      if (dir === '' && refuse.has(name)) throw buildInput(join(root, name), 'servicepack keeps its own records under this name in a target, so a release tree cannot carry it');
      const rel = dir === '' ? name : `${dir}/${name}`;
      const abs = join(root, rel);
      const stats = attempt(abs, () => lstatSync(abs));
      if (opts.skipSpecial === true && !stats.isFile() && !stats.isDirectory() && !stats.isSymbolicLink()) continue;
      const node = describe(abs, stats, () => opts.knownHash?.(rel, abs));
      if (node.type === 'dir') pending.push(rel);
      if (node.type === 'file' && stats.nlink > 1) inodes.set(rel, `${stats.dev}:${stats.ino}`);
      found.push([rel, node]);
    }
  }
  found.sort((a, b) => comparePaths(a[0], b[0]));
  const first = new Map<string, string>();
  for (const [rel, node] of found) {
    const inode = inodes.get(rel);
    if (inode === undefined || node.type !== 'file') continue;
    const leader = first.get(inode);
    if (leader === undefined) first.set(inode, rel);
    else node.hardlink = leader;
  }
  return new Map(found);
}

function describe(abs: string, stats: Stats, knownHash: () => string | undefined): TreeNode {
  if (stats.isSymbolicLink()) {
    const target = attempt(abs, () => readlinkSync(abs, { encoding: 'buffer' }));
    return { type: 'symlink', target: utf8(target, abs, 'its link target') };
  }
  if (stats.isDirectory()) return { type: 'dir', mode: stats.mode & 0o7777 };
  if (stats.isFile()) {
    const known = knownHash();
    const { sha256, size } = known !== undefined ? { sha256: known, size: stats.size } : attempt(abs, () => hashFile(abs));
    const node: TreeNode = { type: 'file', sha256, size, mode: stats.mode & 0o7777 };
    // Fewer 512-byte blocks than the size needs: the file has holes.
    if (stats.blocks * 512 < size) node.sparse = true;
    return node;
  }
  const kind = stats.isFIFO() ? 'a FIFO' : stats.isSocket() ? 'a socket' : stats.isCharacterDevice() || stats.isBlockDevice() ? 'a device' : 'a special file';
  throw buildInput(abs, `it is ${kind}; a service pack carries only files, directories and symlinks`);
}

function utf8(raw: Buffer, abs: string, what: string): string {
  const text = raw.toString('utf8');
  if (!Buffer.from(text, 'utf8').equals(raw)) throw buildInput(abs, `${what} is not valid UTF-8`);
  return text;
}

/** Runs a file system step, turning a system error into BUILD_INPUT naming `path`. */
function attempt<T>(path: string, step: () => T): T {
  try {
    return step();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException | null)?.code;
    if (err instanceof Error && typeof code === 'string' && (err as NodeJS.ErrnoException).syscall !== undefined) {
      throw buildInput(path, code === 'ENOENT' ? 'it does not exist' : `it cannot be read (${code})`, err);
    }
    throw err;
  }
}
