// holders: which processes hold the target (or some paths of it) right now, including the set-aside
// files under .servicepack/backup/ (a process holding one of those runs an old version). Reads only.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ServicePackError } from '../errors/index.js';
import { findHolders } from '../inuse/find-holders.js';
import type { Holder, Uninspectable } from '../inuse/holder.js';
import { targetFiles } from '../inuse/target-files.js';
import { requireTarget } from '../engine/require-target.js';
import type { TxContext } from '../records/tx-context.js';

export interface HoldersResult {
  target: string;
  /** The paths asked about, relative to the target ('' is the whole target). */
  paths: string[];
  /** Sorted by pid, then path. */
  holders: Holder[];
  uninspectable: Uninspectable[];
  /** How many processes were inspected. */
  inspected: number;
}

export function listHolders(ctx: TxContext, paths: readonly string[] = []): HoldersResult {
  const { target } = ctx.layout;
  requireTarget(target);
  const rels = paths.length === 0 ? [''] : paths.map((p) => relativeInside(target, p));
  // Reads only, outside any transaction: a long scan may use a second thread.
  const report = findHolders(ctx.platform, targetFiles(target, rels), { secondThread: 'auto' });
  return { target, paths: rels, ...report };
}

/** `p` (relative to the target, or absolute inside it) as a '/'-separated path relative to the target. */
function relativeInside(target: string, p: string): string {
  const rel = path.relative(target, path.resolve(target, p)).split(path.sep).join('/');
  if (rel === '..' || rel.startsWith('../') || path.isAbsolute(rel)) throw usage(p, `${p} is outside the target ${target}`);
  if (!fs.existsSync(path.join(target, rel))) throw usage(p, `${p} does not exist in the target ${target}`);
  return rel;
}

function usage(argument: string, message: string): ServicePackError<'USAGE'> {
  return new ServicePackError('USAGE', message, { hint: 'Name paths inside the target, relative to it or absolute.', details: { argument } });
}
