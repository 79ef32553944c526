// The per-file view of a plan that users see in --dry-run and in results.
import type { Transition } from '../planner/transition.js';

export interface PlannedAction {
  path: string;
  action: 'add' | 'change' | 'remove';
  type: 'file' | 'symlink' | 'dir';
  /** Bytes written for this path (new file content). */
  bytes: number;
}

export function summarize(transitions: readonly Transition[]): PlannedAction[] {
  return transitions.map((t) => {
    const node = t.to ?? t.from!;
    return {
      path: t.path,
      action: t.from === null ? 'add' : t.to === null ? 'remove' : 'change',
      type: node.type,
      bytes: t.to?.type === 'file' ? t.to.size : 0,
    };
  });
}
