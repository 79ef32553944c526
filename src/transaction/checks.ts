// Checks made before staging: names the platform's file system can hold, free space, and that every
// touched directory is on the target's file system.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ServicePackError } from '../errors/index.js';
import { lstatOrNull } from '../fs/durable.js';
import type { Manifest } from '../format/manifest.js';
import { ntfsNameProblems } from '../format/ntfs-names.js';
import { packPathNotRepresentable } from '../format/pack-errors.js';
import type { Platform } from '../platform/index.js';
import type { Transition } from '../planner/transition.js';
import type { Layout } from './layout.js';

/** Bytes the staged files occupy: content rounded up to 4 KiB blocks, plus one block per entry. */
export function bytesToStage(transitions: readonly Transition[]): number {
  let total = 0;
  for (const t of transitions) total += 4096 + (t.to?.type === 'file' ? Math.ceil(t.to.size / 4096) * 4096 : 0);
  return total;
}

export function freeBytes(dir: string): number {
  const st = fs.statfsSync(dir);
  return st.bavail * st.bsize;
}

export function checkSpace(layout: Layout, needed: number, probeDir: string): void {
  const available = freeBytes(probeDir);
  if (needed > available) {
    throw new ServicePackError('NO_SPACE', `staging needs ${needed} bytes but only ${available} are free`, {
      hint: 'Free space on the target file system (the old files are kept as hard links and take no extra space).',
      details: { target: layout.target, needed, available },
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
