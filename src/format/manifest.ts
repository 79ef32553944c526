// The manifest: what a pack changes, the exact base it applies to, and where each payload blob lives.
// docs/format.md is the specification; this file is its TypeScript shape.
import type { PackHealth } from './health.js';

/** The container format version this code writes. */
export const FORMAT_VERSION = 3;

/**
 * Every format version this code reads: version 1 recorded only the owner-exec bit, and reads as the
 * modes version 1 installed (files 0755 or 0644, directories 0755; docs/format.md "Version 1").
 */
export const READABLE_FORMATS: readonly number[] = [1, 2, 3];

/**
 * From this format on a manifest lists only what changes (and the directories and hard-link leaders
 * those paths need), and commits to the whole base and result trees in `baseTree` and `resultTree`.
 */
export const CHANGES_ONLY_FORMAT = 3;

/** Read, write and execute for user, group and other. */
export const PERMISSION_BITS = 0o777;
/** setuid, setgid and sticky: recorded only when the build was asked to keep them. */
export const SPECIAL_BITS = 0o7000;

/**
 * A regular file. `sha256` is lowercase hex of the content; `mode` its permission bits (at most 0o7777).
 * `hardlink` names the entry whose file this one is another name of (same inode in the release);
 * `sparse` says the release file has holes (fewer blocks than its size needs), which the installer keeps.
 */
export interface FileNode {
  type: 'file';
  sha256: string;
  size: number;
  mode: number;
  hardlink?: string;
  sparse?: true;
}

/** A symbolic link, stored as a link and never followed. */
export interface SymlinkNode {
  type: 'symlink';
  target: string;
}

/** A directory (also empty ones), with its permission bits. */
export interface DirNode {
  type: 'dir';
  mode: number;
}

export type TreeNode = FileNode | SymlinkNode | DirNode;

/**
 * What the pack does to one path. `keep`: the path is unchanged (before format 3 every unchanged path;
 * from format 3 only the ancestors of changed paths and the unchanged files a hard link names).
 */
export type EntryAction = 'add' | 'change' | 'remove' | 'keep';

/**
 * One path of the union of the old and the new tree.
 * - add: `new` only; change: `old` and `new`; remove: `old` only; keep: `new` only (old equals new).
 * - `blob` indexes `Manifest.blobs` and is present exactly when `new` is a file and action is add or change.
 */
export interface ManifestEntry {
  path: string;
  action: EntryAction;
  old?: TreeNode;
  new?: TreeNode;
  blob?: number;
}

/**
 * How a blob's stored bytes decode to file content: the name of a codec in src/format/codecs/codecs.ts
 * (`zstd`, `zstd-patch`, `zstd-windows`, `exediff`; docs/format.md, 'Blob encodings'). The manifest
 * parser accepts only names in that table.
 */
export type BlobEncoding = string;

/** One stored payload blob: content-addressed, deduplicated, placed at `offset` within the payload section. */
export interface BlobRecord {
  offset: number;
  storedSize: number;
  storedSha256: string;
  encoding: BlobEncoding;
  /** Present exactly for encodings that decode against old content (deltas): sha256 of that content. */
  base?: string;
  size: number;
  sha256: string;
}

/**
 * Commands the installer runs around the commit (argv arrays, no shell, cwd = the target): `pre` before
 * any file of the target changes (to stop the application), `post` after (to start it again).
 */
export interface PackHooks {
  pre?: string[];
  post?: string[];
}

/** The base or result tree of a pack, as a format-3 manifest names it (docs/format.md, "Tree commitments"). */
export interface TreeCommitment {
  /** How many nodes (files, links and directories, the root not counted) the tree has. */
  nodes: number;
  /** Lowercase hex SHA-256 of the tree's canonical node lines in path order (tree-commitment.ts). */
  sha256: string;
  /** Base tree only: an invertible sketch of the node keys (tree-sketch.ts), base64. */
  sketch?: string;
}

export interface Manifest {
  /** One of READABLE_FORMATS; a writer sets FORMAT_VERSION. */
  format: number;
  product: string;
  fromVersion: string;
  toVersion: string;
  /** When the pack stops being installable: UTC, `YYYY-MM-DDTHH:MM:SSZ`. Covered by the signature. */
  expires?: string;
  hooks?: PackHooks;
  /** Format 3 on (required there, absent before): the whole old tree, with a sketch of its nodes. */
  baseTree?: TreeCommitment;
  /** Format 3 on: the whole new tree (no sketch). */
  resultTree?: TreeCommitment;
  /** What "healthy" means after an install: checks run during a trial, rolled back on failure (docs/health.md). */
  health?: PackHealth;
  entries: ManifestEntry[];
  blobs: BlobRecord[];
}

/** The old node of an entry: for `keep` it is the new node. */
export function oldNodeOf(entry: ManifestEntry): TreeNode | undefined {
  return entry.action === 'keep' ? entry.new : entry.old;
}

/** The kind of a tree node. */
export type NodeType = TreeNode['type'];

/** True when two nodes are equal for installation: same type, and same content, size, mode and hard link, or link target, or mode. */
export function sameNode(a: TreeNode, b: TreeNode): boolean {
  if (a.type === 'file' && b.type === 'file') return a.sha256 === b.sha256 && a.size === b.size && a.mode === b.mode && a.hardlink === b.hardlink;
  if (a.type === 'symlink' && b.type === 'symlink') return a.target === b.target;
  return a.type === 'dir' && b.type === 'dir' && a.mode === b.mode;
}

/** The modes version 1 installed: 0755 for an executable file, else 0644; 0755 for directories. */
export const VERSION_1_FILE_MODE = (executable: boolean): number => (executable ? 0o755 : 0o644);
export const VERSION_1_DIR_MODE = 0o755;
