// Stage: decode every new file and link from the pack into .servicepack/staging/<txid>/, checking each
// one's hash as it is written (a delta against its old file, re-read from the target and re-hashed),
// and create the backup directories the set-aside step will link into.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { checkBeneath } from '../fs/beneath.js';
import { copyNewFile, fsyncDir, makeDirs, makeSymlink, writeNewFile } from '../fs/durable.js';
import type { Manifest } from '../format/manifest.js';
import { decodeBlob, type PackReader } from '../format/pack-reader.js';
import { readBase } from '../delta/read-base.js';
import type { StepNaming } from '../planner/plan-steps.js';
import type { Transition } from '../planner/transition.js';
import { backupFilesOf, stagingDirOf } from './layout.js';
import type { TxContext } from './tx-context.js';

export function stageInstall(
  ctx: TxContext,
  reader: PackReader,
  transitions: readonly Transition[],
  naming: StepNaming,
  txid: string,
): number {
  const { layout } = ctx;
  const dirs = new Set<string>();
  // Both exist even when the pack only adds (nothing set aside) or only removes (nothing staged).
  for (const rel of [stagingDirOf(txid), backupFilesOf(txid)]) for (const d of makeDirs(path.join(layout.dir, rel))) dirs.add(d);
  for (const t of transitions) {
    if (t.to !== null && t.to.type !== 'dir') for (const d of makeDirs(path.dirname(path.join(layout.dir, naming.incoming(t.path))))) dirs.add(d);
    if (t.from !== null && t.from.type !== 'dir') for (const d of makeDirs(path.dirname(path.join(layout.dir, naming.aside(t.path))))) dirs.add(d);
  }
  const blobOf = blobIndexByPath(reader.manifest);
  const stagedBlob = new Map<number, string>();
  const leaves = transitions.filter((t) => t.to !== null && t.to.type !== 'dir');
  let bytes = 0;
  leaves.forEach((t, n) => {
    const to = t.to!;
    const dest = path.join(layout.dir, naming.incoming(t.path));
    checkBeneath(layout.target, path.relative(layout.target, dest));
    dirs.add(path.dirname(dest));
    if (to.type === 'symlink') {
      makeSymlink(to.target, dest);
    } else if (to.type === 'file') {
      const mode = to.executable ? 0o755 : 0o644;
      const blob = blobOf.get(t.path);
      if (blob === undefined) throw new Error(`no blob for ${t.path}`);
      const first = stagedBlob.get(blob);
      if (first !== undefined) copyNewFile(first, dest, mode);
      else {
        const base = baseOf(ctx, reader.manifest, blob, transitions);
        writeNewFile(dest, mode, (write) => decodeBlob(reader, blob, write, base));
      }
      stagedBlob.set(blob, dest);
      bytes += to.size;
    }
    ctx.emit({ type: 'staged', path: t.path, bytes: to.type === 'file' ? to.size : 0, done: n + 1, total: leaves.length });
  });
  for (const d of [...dirs].sort()) if (fs.existsSync(d)) fsyncDir(d);
  for (const d of [layout.staging, layout.backup, layout.dir]) fsyncDir(d);
  // Now: every new file is durably staged and verified; the target is untouched.
  return bytes;
}

/**
 * For a delta blob, the old content it decodes against, read from a target file the preflight matched to
 * the blob's base and checked again here (DELTA_BASE_MISMATCH); undefined for a full blob.
 */
function baseOf(ctx: TxContext, manifest: Manifest, blob: number, transitions: readonly Transition[]): Buffer | undefined {
  const base = manifest.blobs[blob]?.base;
  if (base === undefined) return undefined;
  const source = transitions.find((t) => t.from?.type === 'file' && t.from.sha256 === base);
  if (source === undefined) throw new Error(`no file in the plan holds the base ${base} of blob ${blob}`);
  return readBase(ctx.layout.target, source.path, path.join(ctx.layout.target, source.path), base);
}

function blobIndexByPath(manifest: Manifest): Map<string, number> {
  const m = new Map<string, number>();
  for (const e of manifest.entries) if (e.blob !== undefined) m.set(e.path, e.blob);
  return m;
}
