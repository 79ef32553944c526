// Runs a journal's steps forward (commit) or backward (roll back), then makes the result durable by
// fsyncing every directory whose entries changed.
import { fsyncDir, lstatOrNull } from '../fs/durable.js';
import type { Step } from '../journal/journal.js';
import type { Platform } from '../platform/index.js';
import type { Layout } from './layout.js';
import { backwardStep, forwardStep, preserveStep, touchedDirs } from './steps.js';

export interface StepHooks {
  onStep?: (step: Step, index: number, total: number) => void;
}

function syncDirs(layout: Layout, steps: Step[], platform: Platform): void {
  if (!platform.canFsyncDirectories) return;
  const dirs = new Set<string>();
  for (const s of steps) for (const d of touchedDirs(layout, s)) dirs.add(d);
  // A directory that is gone (removed) or not yet there (created later) is covered by its parent's fsync.
  for (const d of [...dirs].sort()) if (lstatOrNull(d)?.isDirectory() === true) fsyncDir(d);
}

/** Forward: first preserve every old file, make that durable, then swap every step in order. */
export function commitSteps(layout: Layout, steps: Step[], platform: Platform, hooks: StepHooks = {}): void {
  for (const s of steps) preserveStep(layout, s, platform);
  syncDirs(layout, steps, platform);
  // Now: every file about to be replaced has a durable second name in the backup.
  steps.forEach((s, n) => {
    forwardStep(layout, s, platform);
    hooks.onStep?.(s, n, steps.length);
  });
  syncDirs(layout, steps, platform);
  // Now: the target durably shows the new tree (the state file does not yet say so).
}

/** Backward: undo the steps in reverse order, then make that durable. */
export function rollbackSteps(layout: Layout, steps: Step[], platform: Platform): void {
  for (let n = steps.length - 1; n >= 0; n--) backwardStep(layout, steps[n]!, platform);
  syncDirs(layout, steps, platform);
  // Now: the target durably shows the old tree again.
}
