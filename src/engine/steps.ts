// Each journal step done forward or backward. Both directions are idempotent and read their progress
// from the disk (existence and inode identity), so they can be re-run after a crash at any syscall.
// docs/journal.md lists the states each step passes through.
import * as path from 'node:path';
import { ServicePackError } from '../errors/index.js';
import { checkBeneath, type CheckedDirs } from '../fs/beneath.js';
import { lstatOrNull, makeDir, removeDir, renameWhenFree, sameInode, setMode, tryLink, unlink } from '../fs/durable.js';
import type { Step } from '../journal/journal.js';
import type { Platform } from '../platform/index.js';
import type { Layout } from '../records/layout.js';
import type { OldNodeGuard } from './old-node-guard.js';

/** What one pass over a journal's steps carries from step to step. */
export interface StepPass {
  /** The directories earlier steps of this pass checked (fs/beneath.ts). */
  checked?: CheckedDirs;
  /** The commit's check that each old node is still the one the preflight read. */
  old?: OldNodeGuard;
}

interface Resolved {
  t: string;
  i: string | undefined;
  a: string | undefined;
}

/**
 * Checks that no directory on the way to any path of the step is a symlink or mount (TARGET_UNSAFE).
 * Called right before each change a step makes, so a link planted during the transaction is refused
 * too, while a step with nothing left to do never fails on one. `checked` carries the directories
 * earlier steps of the same pass checked (fs/beneath.ts), so each step costs a few lstats, not one
 * per ancestor.
 */
function guard(layout: Layout, step: Step, checked: CheckedDirs | undefined): void {
  const state = path.basename(layout.dir);
  checkBeneath(layout.target, step.path, checked);
  if (step.op === 'swap') {
    if (step.incoming !== undefined) checkBeneath(layout.target, `${state}/${step.incoming}`, checked);
    if (step.aside !== undefined) checkBeneath(layout.target, `${state}/${step.aside}`, checked);
  }
}

function pathsOf(layout: Layout, step: Step): Resolved {
  if (step.op !== 'swap') return { t: path.join(layout.target, step.path), i: undefined, a: undefined };
  return {
    t: path.join(layout.target, step.path),
    i: step.incoming === undefined ? undefined : path.join(layout.dir, step.incoming),
    a: step.aside === undefined ? undefined : path.join(layout.dir, step.aside),
  };
}

const exists = (p: string): boolean => lstatOrNull(p) !== null;
// A path that changes type (file -> directory or back) holds the other type until its removal step ran
// (or after it was undone): mkdir and rmdir act only on a directory.
const isDirectory = (p: string): boolean => lstatOrNull(p)?.isDirectory() === true;

/**
 * Preserves the old node of a swap without changing what the target shows: on a 'link' platform the
 * old file gets a second name in the backup. Used as a first pass so that every old file is durably
 * preserved before any new file replaces it. Returns the directory it added a link to, if it did.
 * `old` confirms first that the old node is still the one the preflight read.
 */
export function preserveStep(layout: Layout, step: Step, platform: Platform, pass: StepPass = {}): string | undefined {
  if (step.op !== 'swap' || platform.setAside !== 'link') return undefined;
  const { t, i, a } = pathsOf(layout, step);
  if (a === undefined || i === undefined || exists(a)) return undefined;
  guard(layout, step, pass.checked);
  const { old } = pass;
  old?.confirm(step);
  if (!tryLink(t, a)) return undefined; // refused: the forward pass renames it aside instead
  old?.linked(step);
  // Now: the old node has two names, target and aside; the target is unchanged.
  return path.dirname(a);
}

/** Gives the directory `t` the `mode`, if it is a directory without that mode (a re-run finds it done). */
function modeDir(layout: Layout, step: Step, t: string, mode: number | undefined, checked?: CheckedDirs): void {
  if (mode === undefined) return;
  const st = lstatOrNull(t);
  if (st === null || !st.isDirectory() || (st.mode & 0o7777) === mode) return;
  guard(layout, step, checked);
  setMode(t, mode);
}

/**
 * Does the step. With `pass.old` (the commit), the old node is confirmed unchanged right before the
 * target stops showing it: before it is renamed aside, or before the new node is renamed over it.
 */
export function forwardStep(layout: Layout, step: Step, platform: Platform, pass: StepPass = {}): void {
  const { checked, old } = pass;
  const { t, i, a } = pathsOf(layout, step);
  switch (step.op) {
    case 'mkdir':
      if (!exists(t)) {
        guard(layout, step, checked);
        makeDir(t, step.mode);
      }
      modeDir(layout, step, t, step.mode, checked);
      return;
    case 'chmod':
      modeDir(layout, step, t, step.mode, checked);
      return;
    case 'rmdir':
      if (isDirectory(t)) {
        guard(layout, step, checked);
        removeDir(t);
      }
      return;
    case 'swap':
      if (a !== undefined && !exists(a)) {
        guard(layout, step, checked);
        old?.confirm(step);
        if (i === undefined || platform.setAside !== 'link' || !tryLink(t, a)) renameWhenFree(t, a, platform, t);
        else old?.linked(step);
        // Now: the old node is preserved at the aside path (with 'rename', the target path is missing
        // until the next rename: recover finds "T missing, A old, I new" and renames A back).
      }
      if (i !== undefined && exists(i)) {
        guard(layout, step, checked);
        // A write to the old file after this check goes to its set-aside copy: clean-up, status and
        // uninstall look for that (backup-writes.ts).
        if (old !== undefined && a !== undefined && sameInode(t, a)) old.confirm(step);
        if (sameInode(t, i)) unlink(i); // an interrupted roll-back had already linked it back
        else renameWhenFree(i, t, platform, t);
        // Now: the target shows the new node.
      }
      return;
  }
}

/** Undoes the step, from whatever point forwardStep (or an earlier backwardStep) reached. */
export function backwardStep(layout: Layout, step: Step, platform: Platform, pass: StepPass = {}): void {
  const { checked } = pass;
  const { t, i, a } = pathsOf(layout, step);
  switch (step.op) {
    case 'mkdir':
      if (isDirectory(t)) {
        guard(layout, step, checked);
        removeDir(t);
      }
      return;
    case 'rmdir':
      if (!exists(t)) {
        guard(layout, step, checked);
        makeDir(t, step.mode);
      }
      modeDir(layout, step, t, step.mode, checked);
      return;
    case 'chmod':
      modeDir(layout, step, t, step.oldMode, checked);
      return;
    case 'swap':
      if (i !== undefined && !exists(i)) {
        if (!exists(t)) throw vanished(t);
        guard(layout, step, checked);
        if (a === undefined || platform.setAside !== 'link' || !tryLink(t, i)) renameWhenFree(t, i, platform, t);
        // Now: the new node is back at the incoming path (and, with link, still at the target).
      }
      if (a !== undefined && exists(a)) {
        guard(layout, step, checked);
        if (sameInode(t, a)) unlink(a);
        else renameWhenFree(a, t, platform, t);
        // Now: the target shows the old node again.
      }
      return;
  }
}

/**
 * The directories whose entries a step changes, for the fsync after a pass; without the aside's
 * directory when `aside` is false (the old node was linked there, and synced, by the first pass).
 */
export function touchedDirs(layout: Layout, step: Step, opts: { aside: boolean } = { aside: true }): string[] {
  const { t, i, a } = pathsOf(layout, step); // fsync only opens directories: no write goes through them
  // A directory whose mode a step sets is synced itself (its inode changed, not only its parent's entries).
  const own = step.op === 'chmod' || ((step.op === 'mkdir' || step.op === 'rmdir') && step.mode !== undefined) ? [t] : [];
  return [path.dirname(t), ...own, ...(i ? [path.dirname(i)] : []), ...(a && opts.aside ? [path.dirname(a)] : [])];
}

function vanished(p: string): ServicePackError {
  return new ServicePackError('RECOVERY_NEEDED', `${p} disappeared during the transaction`, {
    hint: 'Something else removed a file servicepack was installing. Run `servicepack recover`, then `servicepack verify`.',
    details: { target: p, reason: 'installed file missing during roll-back' },
  });
}
