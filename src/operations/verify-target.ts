// verify: like `rpm -V`, the paths whose type, content or link target differ from what servicepack
// installed, the ones missing, the ones present that it does not know, and the files and directories
// whose mode (where the platform has POSIX modes) or recorded owner differ.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ServicePackError, type Mismatch } from '../errors/index.js';
import { withIo } from '../fs/io-error.js';
import { readNodeStamped } from '../inventory/read-node.js';
import { describeNode, nodeMatches } from '../planner/transition.js';
import type { TxContext } from '../records/tx-context.js';
import { requireTarget } from '../engine/require-target.js';
import { STATE_DIR_NAME } from '../records/layout.js';
import { checkStateDir } from '../records/state-dir.js';
import { readState } from '../records/state-file.js';
import { installedTree } from '../records/tree-record.js';
import { refuseIfPending } from '../engine/refuse-pending.js';

export interface VerifyResult {
  target: string;
  product: string;
  version: string;
  ok: boolean;
  checked: number;
  modified: Mismatch[];
  missing: string[];
  unexpected: string[];
  /** Files and directories of the expected type whose mode (four octal digits) or owner (`uid:gid`) differ. */
  attributes: AttributeDifference[];
}

export interface AttributeDifference {
  path: string;
  kind: 'mode' | 'owner';
  expected: string;
  actual: string;
}

const octal = (mode: number): string => mode.toString(8).padStart(4, '0');

export function verifyTarget(ctx: TxContext): VerifyResult {
  const { layout } = ctx;
  requireTarget(layout.target);
  checkStateDir(ctx);
  // A pending journal means the tree may be a mix of two versions: that, not a list of differences
  // (nor NOT_MANAGED, for a first install), is the answer until `recover` settles it.
  refuseIfPending(ctx, 'verify');
  const state = readState(layout);
  if (state === null) {
    throw new ServicePackError('NOT_MANAGED', `${layout.target} has no servicepack state to verify against`, {
      hint: 'verify compares a target with what servicepack installed there; install a service pack first.',
      details: { target: layout.target },
    });
  }
  ctx.emit({ type: 'phase', phase: 'verify' });
  const modified: Mismatch[] = [];
  const missing: string[] = [];
  const attributes: AttributeDifference[] = [];
  const tree = installedTree(layout, state);
  const paths = [...tree.files.keys()].sort();
  for (const p of paths) {
    const expected = tree.files.get(p)!;
    const { node: actual, owner } = readNodeStamped(layout.target, p);
    if (actual === null) missing.push(p);
    else if (!nodeMatches(actual, expected)) modified.push({ path: p, expected: describeNode(expected), actual: describeNode(actual) });
    else {
      if (ctx.platform.hasExecBit && actual.type !== 'symlink' && expected.type !== 'symlink' && actual.mode !== expected.mode) {
        attributes.push({ path: p, kind: 'mode', expected: octal(expected.mode), actual: octal(actual.mode) });
      }
      const want = tree.owners.get(p);
      if (want !== undefined && owner !== undefined && (want.uid !== owner.uid || want.gid !== owner.gid)) {
        attributes.push({ path: p, kind: 'owner', expected: `${want.uid}:${want.gid}`, actual: `${owner.uid}:${owner.gid}` });
      }
    }
  }
  const known = new Set(paths);
  const unexpected = listAll(layout.target).filter((p) => !known.has(p));
  return {
    target: layout.target, product: state.product, version: state.version,
    ok: modified.length + missing.length + unexpected.length + attributes.length === 0,
    checked: paths.length, modified, missing, unexpected, attributes,
  };
}

/**
 * Every path below `root` (not following symlinks), except servicepack's own directory, sorted once at
 * the end: one list for the whole walk, no recursion (a deep tree) and no spreading of a large
 * directory's listing into a call's arguments.
 */
function listAll(root: string): string[] {
  const out: string[] = [];
  const pending = [''];
  while (pending.length > 0) {
    const rel = pending.pop()!;
    const dir = path.join(root, rel);
    for (const d of withIo('readdir', dir, () => fs.readdirSync(dir, { withFileTypes: true }))) {
      const p = rel === '' ? d.name : `${rel}/${d.name}`;
      if (p === STATE_DIR_NAME) continue;
      out.push(p);
      if (d.isDirectory()) pending.push(p);
    }
  }
  return out.sort();
}
