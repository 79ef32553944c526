// Checks made before staging: names the platform's file system can hold, free space (bytes and inodes,
// records included), and that every touched directory is on the target's file system.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ServicePackError } from '../errors/index.js';
import { lstatOrNull } from '../fs/durable.js';
import type { Manifest } from '../format/manifest.js';
import { ntfsNameProblems } from '../format/ntfs-names.js';
import { packPathNotRepresentable } from '../format/pack-errors.js';
import type { Platform } from '../platform/index.js';
import type { Transition } from '../planner/transition.js';
import type { Layout } from '../records/layout.js';

/** The records a transaction writes besides the staged files, as the bytes each file will hold. */
export interface RecordSizes {
  record: number;
  journal: number;
  state: number;
  /** The staged pin file of the key the install pins (0: none); it moves into trust/, made if missing. */
  pin: number;
}

/** What staging and recording take on the target's file system: bytes (in whole blocks) and inodes. */
export interface SpaceNeeded {
  bytes: number;
  inodes: number;
}

/**
 * Every block and inode a transaction adds before its clean-up: each staged node (file content in whole
 * blocks, and one more block); the directories made under staging/ and
 * backup/<txid>/files/ (which mirrors the set-aside paths' directories); the backup record, the journal,
 * and the new state, which is written beside the old one until its rename; the lock. Set-aside files
 * take no space: they are hard links, or renames.
 */
export function spaceNeeded(transitions: readonly Transition[], records: RecordSizes, free: FreeSpace): SpaceNeeded {
  const block = free.block;
  const round = (n: number) => Math.ceil(n / block) * block;
  let bytes = 0;
  let nodes = 0;
  const asideDirs = new Set<string>();
  for (const t of transitions) {
    if (t.to !== null) {
      // Its content, plus a block for its inode or entry: more than some file systems take, never less.
      bytes += block + (t.to.type === 'file' ? round(t.to.size) : 0);
      nodes++;
    }
    if (t.from !== null && t.from.type !== 'dir') for (let d = path.posix.dirname(t.path); d !== '.'; d = path.posix.dirname(d)) asideDirs.add(d);
  }
  // .servicepack/ itself on a first install, staging/, staging/<txid>, backup/, backup/<txid>,
  // backup/<txid>/files, then the mirrored directories.
  const dirs = (free.stateDirExists ? 0 : 1) + 5 + asideDirs.size;
  const pinned = records.pin > 0 ? 1 : 0;
  const files = 4 + pinned; // record, journal, state (its temp file beside the old one), lock, pin
  bytes += (dirs + pinned) * block + round(records.record) + round(records.journal) + round(records.state) + round(records.pin) + block;
  return { bytes, inodes: nodes + dirs + pinned + files };
}

/**
 * Free space on the file system of the target, measured before the command takes its lock (so the dry
 * run and the install see the same numbers): bytes (for an unprivileged user, as statfs reports),
 * inodes (null where the file system sets no limit), its block size, and whether `.servicepack/` exists.
 */
export interface FreeSpace {
  bytes: number;
  inodes: number | null;
  block: number;
  stateDirExists: boolean;
}

export function freeSpace(layout: Layout): FreeSpace {
  const st = fs.statfsSync(layout.target);
  return { bytes: st.bavail * st.bsize, inodes: st.files > 0 ? st.ffree : null, block: st.bsize, stateDirExists: lstatOrNull(layout.dir) !== null };
}

export function checkSpace(layout: Layout, needed: SpaceNeeded, free: FreeSpace): void {
  if (needed.bytes > free.bytes) {
    throw new ServicePackError('NO_SPACE', `the install needs ${needed.bytes} bytes (staged files and records) but only ${free.bytes} are free`, {
      hint: 'Free space on the target file system (the old files are kept as hard links and take no extra space).',
      details: { target: layout.target, needed: needed.bytes, available: free.bytes },
    });
  }
  if (free.inodes !== null && needed.inodes > free.inodes) {
    throw new ServicePackError('NO_SPACE', `the install needs ${needed.inodes} inodes (files and directories) but only ${free.inodes} are free`, {
      hint: 'The target file system has no inodes left for the staged files: remove files from it (or make it with more inodes).',
      details: { target: layout.target, needed: needed.bytes, available: free.bytes, inodesNeeded: needed.inodes, inodesAvailable: free.inodes },
    });
  }
}

/** Every directory a transition changes must be on the same device as the target's `.servicepack/`. */
export function checkSameDevice(layout: Layout, transitions: readonly Transition[], deviceOf: string): void {
  const dev = fs.lstatSync(deviceOf).dev;
  const seen = new Set<string>();
  for (const t of transitions) {
    let dir = path.dirname(path.join(layout.target, t.path));
    while (!seen.has(dir)) {
      seen.add(dir);
      const st = lstatOrNull(dir);
      if (st !== null) {
        if (st.dev !== dev) {
          throw new ServicePackError('CROSS_DEVICE', `${path.relative(layout.target, dir) || '.'} is on another file system than the target`, {
            hint: 'servicepack swaps files with renames, which cannot cross file systems. Install onto one file system, or unmount what is mounted inside the target.',
            details: { path: path.relative(layout.target, dir) || '.' },
          });
        }
        break;
      }
      dir = path.dirname(dir);
    }
  }
}

/**
 * PACK_UNSAFE_PATH for the first path of the new tree the platform's file system cannot hold (Windows:
 * device names, trailing dots or spaces, forbidden characters, names equal ignoring case). Removed
 * entries are left out: they exist here already.
 */
export function checkPathRules(platform: Platform, manifest: Manifest): void {
  if (platform.pathRules !== 'ntfs') return;
  const [first] = ntfsNameProblems(manifest.entries.filter((e) => e.new !== undefined).map((e) => e.path));
  if (first !== undefined) throw packPathNotRepresentable(first.path, first.reason);
}
