// The check right before an old file stops being what the target shows: a file the transaction replaces
// or removes must still be the version the preflight read, or a write made since (an application still
// running, the pack's own pre hook) would end up only in the set-aside copy. A changed file stops the
// transaction (TARGET_CHANGED), which rolls back, so the write stays in the target (docs/journal.md).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ServicePackError, hasErrno } from '../errors/index.js';
import type { TreeNode } from '../format/manifest.js';
import { sameStamp, stampOf, type FileStamp } from '../inventory/file-snapshot.js';
import { readNodeStamped } from '../inventory/read-node.js';
import type { Step } from '../journal/journal.js';
import { describeNode, nodeMatches } from '../planner/transition.js';
import type { Layout } from '../records/layout.js';

/** The old node at a path as the preflight read it, with a regular file's stamp from then. */
export interface OldNode {
  node: TreeNode;
  stamp?: FileStamp;
}

export interface OldNodeGuard {
  /** Throws TARGET_CHANGED unless the step's path still shows the old node the preflight read. */
  confirm(step: Step): void;
  /** The old file just got its second name in the backup (link): its change time moved, nothing else. */
  linked(step: Step): void;
}

const lstatOrNull = (abs: string): fs.BigIntStats | null => {
  try {
    return fs.lstatSync(abs, { bigint: true });
  } catch (err) {
    if (hasErrno(err, 'ENOENT', 'ENOTDIR')) return null;
    throw err;
  }
};

/**
 * A guard over `olds` (by path). A file whose five stamp values are unchanged is taken as unchanged; any
 * difference (a chmod, a touch, a copy of the same bytes put in its place) is settled by hashing it again.
 */
export function oldNodeGuard(layout: Layout, olds: ReadonlyMap<string, OldNode>): OldNodeGuard {
  return {
    confirm(step) {
      const old = olds.get(step.path);
      if (old === undefined) return;
      const st = old.stamp === undefined ? null : lstatOrNull(path.join(layout.target, step.path));
      if (st !== null && st.isFile() && sameStamp(stampOf(st), old.stamp!)) return;
      const now = readNodeStamped(layout.target, step.path);
      if (nodeMatches(now.node, old.node)) {
        if (now.stamp !== undefined) old.stamp = now.stamp;
        return;
      }
      throw new ServicePackError('TARGET_CHANGED', `${step.path} changed after the preflight read it (expected ${describeNode(old.node)}, found ${describeNode(now.node)}); the transaction was rolled back`, {
        hint: 'Something wrote to this file while the transaction ran (an application still running, or the pack\'s pre hook). The transaction was rolled back and the write is in the target. Stop whatever writes to it, then check the file and run the command again.',
        details: { target: layout.target, path: step.path, expected: describeNode(old.node), actual: describeNode(now.node) },
      });
    },
    linked(step) {
      const old = olds.get(step.path);
      if (old?.stamp === undefined) return;
      const st = lstatOrNull(path.join(layout.target, step.path));
      if (st === null || !st.isFile()) return;
      const now = stampOf(st);
      // Only the change time may differ: anything else is a write, which the next confirm hashes.
      if (sameStamp({ ...now, ctimeNs: old.stamp.ctimeNs }, old.stamp)) old.stamp = now;
    },
  };
}
