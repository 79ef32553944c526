// PURE: orders transitions into journal steps. Removals deepest first, then new directories shallowest
// first, then directory mode changes, then file and symlink swaps in path order; roll-back runs the same
// list backwards.
import type { Step } from '../journal/journal.js';
import { comparePaths } from '../format/paths.js';
import type { Transition } from './transition.js';

export interface StepNaming {
  /** Where the new node of `path` waits (relative to `.servicepack/`). */
  incoming(path: string): string;
  /** Where the old node of `path` is preserved (relative to `.servicepack/`). */
  aside(path: string): string;
}

const isLeaf = (t: Transition['from']): boolean => t !== null && t.type !== 'dir';

export function planSteps(transitions: readonly Transition[], naming: StepNaming): Step[] {
  const sorted = [...transitions].sort((a, b) => comparePaths(a.path, b.path));
  const removals: Step[] = [];
  const mkdirs: Step[] = [];
  const swaps: Step[] = [];
  const chmods: Step[] = [];
  for (const t of sorted) {
    if (t.from?.type === 'dir' && t.to?.type === 'dir') {
      chmods.push({ op: 'chmod', path: t.path, mode: t.to.mode, oldMode: t.from.mode });
      continue;
    }
    // A leaf that stays a leaf is one swap; anything involving a directory is a removal plus an addition.
    if (isLeaf(t.from) && isLeaf(t.to)) {
      swaps.push({ op: 'swap', path: t.path, incoming: naming.incoming(t.path), aside: naming.aside(t.path) });
      continue;
    }
    if (t.from?.type === 'dir') removals.push({ op: 'rmdir', path: t.path, mode: t.from.mode });
    else if (isLeaf(t.from)) removals.push({ op: 'swap', path: t.path, aside: naming.aside(t.path) });
    if (t.to?.type === 'dir') mkdirs.push({ op: 'mkdir', path: t.path, mode: t.to.mode });
    else if (isLeaf(t.to)) swaps.push({ op: 'swap', path: t.path, incoming: naming.incoming(t.path) });
  }
  return [...removals.reverse(), ...mkdirs, ...chmods, ...swaps];
}

/**
 * Orders paths by their UTF-8 bytes, so a directory sorts before everything inside it. Without encoding
 * them (comparePaths): a sort of a million paths would otherwise allocate two buffers per comparison.
 */
export const compareBytes = comparePaths;
