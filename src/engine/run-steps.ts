// Runs a journal's steps forward (commit) or backward (roll back), then makes the result durable by
// fsyncing every directory whose entries changed.
import { checkedDirs } from '../fs/beneath.js';
import { fsyncDir, lstatOrNull } from '../fs/durable.js';
import type { Step } from '../journal/journal.js';
import type { Platform } from '../platform/index.js';
import type { Layout } from '../records/layout.js';
import type { OldNodeGuard } from './old-node-guard.js';
import { backwardStep, forwardStep, preserveStep, touchedDirs } from './steps.js';

export interface StepHooks {
  onStep?: (step: Step, index: number, total: number) => void;
  /** Confirms each old node is unchanged since the preflight right before it is set aside. */
  old?: OldNodeGuard;
}

function syncDirs(dirs: Iterable<string>, platform: Platform): void {
  // A directory that is gone (removed) or not yet there (created later) is covered by its parent's fsync.
  for (const d of [...new Set(dirs)].sort()) if (lstatOrNull(d)?.isDirectory() === true) fsyncDir(d, platform);
}

/** Every directory any step may have changed: what a pass that may follow a crash must sync. */
const allTouched = (layout: Layout, steps: Step[]): string[] => steps.flatMap((s) => touchedDirs(layout, s));

/**
 * Forward: first preserve every old file and sync the backup directories that got links, then swap
 * every step in order and sync the directories the swaps changed. A backup directory that only got
 * links is not synced twice: the swaps leave it alone.
 */
export function commitSteps(layout: Layout, steps: Step[], platform: Platform, hooks: StepHooks = {}): void {
  const linked = new Map<Step, string>();
  const pass = { checked: checkedDirs(), ...(hooks.old === undefined ? {} : { old: hooks.old }) };
  for (const s of steps) {
    const dir = preserveStep(layout, s, platform, pass);
    if (dir !== undefined) linked.set(s, dir);
  }
  syncDirs(linked.values(), platform);
  // Now: every file about to be replaced has a durable second name in the backup.
  steps.forEach((s, n) => {
    forwardStep(layout, s, platform, pass);
    hooks.onStep?.(s, n, steps.length);
  });
  syncDirs(steps.flatMap((s) => touchedDirs(layout, s, { aside: !linked.has(s) })), platform);
  // Now: the target durably shows the new tree (the state file does not yet say so).
}

/** Backward: undo the steps in reverse order, then make that durable. */
export function rollbackSteps(layout: Layout, steps: Step[], platform: Platform): void {
  const pass = { checked: checkedDirs() };
  for (let n = steps.length - 1; n >= 0; n--) backwardStep(layout, steps[n]!, platform, pass);
  syncDirs(allTouched(layout, steps), platform);
  // Now: the target durably shows the old tree again.
}
