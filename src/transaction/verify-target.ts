// verify: like `rpm -V`, the paths whose type, content, executable bit (where the platform has one) or link target differ from what
// servicepack installed, the ones missing, and the ones present that it does not know.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ServicePackError, type Mismatch } from '../errors/index.js';
import { readNode } from '../inventory/read-node.js';
import { describeNode, nodeMatches } from '../planner/transition.js';
import type { TxContext } from './tx-context.js';
import { requireTarget } from './install.js';
import { STATE_DIR_NAME } from './layout.js';
import { readState } from './state-file.js';

export interface VerifyResult {
  target: string;
  product: string;
  version: string;
  ok: boolean;
  checked: number;
  modified: Mismatch[];
  missing: string[];
  unexpected: string[];
}

export function verifyTarget(ctx: TxContext): VerifyResult {
  const { layout } = ctx;
  requireTarget(layout.target);
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
  const paths = Object.keys(state.files).sort();
  for (const p of paths) {
    const expected = state.files[p]!;
    const actual = readNode(layout.target, p);
    if (actual === null) missing.push(p);
    else if (!nodeMatches(actual, expected)) modified.push({ path: p, expected: describeNode(expected), actual: describeNode(actual) });
    else if (ctx.platform.hasExecBit && actual.type === 'file' && expected.type === 'file' && actual.executable !== expected.executable) {
      modified.push({ path: p, expected: expected.executable ? 'executable' : 'not executable', actual: actual.executable ? 'executable' : 'not executable' });
    }
  }
  const known = new Set(paths);
  const unexpected = listAll(layout.target).filter((p) => !known.has(p));
  return {
    target: layout.target, product: state.product, version: state.version,
    ok: modified.length + missing.length + unexpected.length === 0,
    checked: paths.length, modified, missing, unexpected,
  };
}

/** Every path below `root` (not following symlinks), except servicepack's own directory. */
function listAll(root: string, rel = ''): string[] {
  const out: string[] = [];
  for (const d of fs.readdirSync(path.join(root, rel), { withFileTypes: true })) {
    const p = rel === '' ? d.name : `${rel}/${d.name}`;
    if (p === STATE_DIR_NAME) continue;
    out.push(p);
    if (d.isDirectory()) out.push(...listAll(root, p));
  }
  return out.sort();
}
