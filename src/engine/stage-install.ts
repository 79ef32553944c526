// Stage: decode every new file and link from the pack into .servicepack/staging/<txid>/, checking each
// one's hash as it is written, or, where the platform has a background hasher, by hashing the written
// file on its thread while the next is decoded, before the fsync (a delta against its old file, the
// bytes the preflight kept or re-read from the target and re-hashed),
// and create the backup directories the set-aside step will link into. Every file is written first and
// fsynced afterwards (docs/journal.md, step 3).
import * as path from 'node:path';
import { checkBeneath } from '../fs/beneath.js';
import { deferredSync } from '../fs/deferred-sync.js';
import { fsyncDirs, link, makeDirs, makeSymlink } from '../fs/durable.js';
import { baseKindOf } from '../format/codecs/codec.js';
import { codecOf } from '../format/codecs/codecs.js';
import type { Manifest } from '../format/manifest.js';
import { contentMismatch, decodeBlob, type PackReader } from '../format/pack-reader.js';
import { readBase, withBaseFile } from '../delta/read-base.js';
import { isUnchanged, type FileSnapshot } from '../inventory/file-snapshot.js';
import type { StepNaming } from '../planner/plan-steps.js';
import type { Transition } from '../planner/transition.js';
import { backupFilesOf, stagingDirOf } from '../records/layout.js';
import type { TxContext } from '../records/tx-context.js';

/** What staging works from: the plan, and the delta bases the preflight kept (held-bases.ts). */
export interface StagePlan {
  transitions: readonly Transition[];
  naming: StepNaming;
  txid: string;
  /** Taken out as they are used, so that each can be freed once its blob is staged. */
  bases: Map<string, FileSnapshot>;
}

export function stageInstall(ctx: TxContext, reader: PackReader, plan: StagePlan): number {
  const { layout } = ctx;
  const { transitions, naming, txid } = plan;
  const created: string[] = [];
  // Both exist even when the pack only adds (nothing set aside) or only removes (nothing staged).
  for (const rel of [stagingDirOf(txid), backupFilesOf(txid)]) created.push(...makeDirs(path.join(layout.dir, rel)));
  for (const t of transitions) {
    if (t.to !== null && t.to.type !== 'dir') created.push(...makeDirs(path.dirname(path.join(layout.dir, naming.incoming(t.path)))));
    if (t.from !== null && t.from.type !== 'dir') created.push(...makeDirs(path.dirname(path.join(layout.dir, naming.aside(t.path)))));
  }
  const blobOf = blobIndexByPath(reader.manifest);
  const oldFileOf = firstPathByOldContent(transitions);
  const stagedBlob = new Map<number, string>();
  const stagedPath = new Map<string, string>();
  const leaves = transitions.filter((t) => t.to !== null && t.to.type !== 'dir');
  let bytes = 0;
  const staged = new Set<string>();
  const files = deferredSync(ctx.platform);
  try {
    leaves.forEach((t, n) => {
      const to = t.to!;
      const dest = path.join(layout.dir, naming.incoming(t.path));
      checkBeneath(layout.target, path.relative(layout.target, dest));
      staged.add(path.dirname(dest));
      if (to.type === 'symlink') {
        makeSymlink(to.target, dest);
      } else if (to.type === 'file' && to.hardlink !== undefined) {
        // Another name of a file staged before it, or of a file in the target the pack leaves alone
        // (the preflight checked its content).
        const leader = stagedPath.get(to.hardlink);
        if (leader === undefined) checkBeneath(layout.target, to.hardlink);
        link(leader ?? path.join(layout.target, to.hardlink), dest);
      } else if (to.type === 'file') {
        const { mode } = to;
        const owner = t.owner;
        const blob = blobOf.get(t.path);
        if (blob === undefined) throw new Error(`no blob for ${t.path}`);
        const first = stagedBlob.get(blob);
        if (first !== undefined) files.copyNewFile(first, dest, mode, owner === undefined ? {} : { owner });
        else {
          const opts = { ...(owner === undefined ? {} : { owner }), ...(to.sparse === true ? { sparse: true } : {}) };
          const windows = windowsBaseOf(ctx, reader.manifest, blob, oldFileOf);
          const record = reader.manifest.blobs[blob]!;
          const expected = { sha256: record.sha256, size: record.size, mismatch: (actual: string) => contentMismatch(reader, blob, actual) };
          if (windows !== undefined) {
            files.writeNewFile(dest, mode, (write, checkContent) => withBaseFile(ctx.layout.target, windows.source, windows.file, windows.sha256, (base) => decodeBlob(reader, blob, write, base, { checkContent })), opts, expected);
          } else {
            const base = baseOf(ctx, reader.manifest, blob, plan, oldFileOf);
            files.writeNewFile(dest, mode, (write, checkContent) => decodeBlob(reader, blob, write, base, { checkContent }), opts, expected);
          }
        }
        stagedBlob.set(blob, dest);
        stagedPath.set(t.path, dest);
        bytes += to.size;
      }
      ctx.emit({ type: 'staged', path: t.path, bytes: to.type === 'file' ? to.size : 0, done: n + 1, total: leaves.length });
    });
    files.flush();
  } catch (err) {
    // A file staged earlier whose content is still being hashed fails first, as it would have had it
    // been hashed while it was decoded.
    files.check();
    throw err;
  } finally {
    files.close();
  }
  // Synced here: the staging directory (the staged names must survive: rolling back a swap that adds a
  // file needs its incoming name) and each directory that gained a subdirectory. Not the backup tree's
  // leaves, still empty (pass 1 syncs them once they hold links), nor .servicepack/ itself, which the
  // journal's write syncs (docs/journal.md, "Which directories are fsynced").
  fsyncDirs([...new Set([...created.map((d) => path.dirname(d)), ...staged])].filter((d) => d !== layout.dir), ctx.platform);
  // Now: every new file is durably staged and verified; the target is untouched.
  return bytes;
}

/**
 * For a delta blob, the old content it decodes against, from a target file the preflight matched to the
 * blob's base: the bytes the preflight hashed when the file shows no change since (same inode, size,
 * modification and change time), else read and hashed again here (DELTA_BASE_MISMATCH); undefined for
 * a full blob.
 */
function baseOf(ctx: TxContext, manifest: Manifest, blob: number, plan: StagePlan, oldFileOf: Map<string, string>): Buffer | undefined {
  const base = manifest.blobs[blob]?.base;
  if (base === undefined) return undefined;
  const source = oldFileOf.get(base);
  if (source === undefined) throw new Error(`no file in the plan holds the base ${base} of blob ${blob}`);
  const file = path.join(ctx.layout.target, source);
  const held = plan.bases.get(source);
  plan.bases.delete(source);
  if (held !== undefined && held.sha256 === base && isUnchanged(held, file)) return held.bytes;
  return readBase(ctx.layout.target, source, file, base);
}

/** For a blob whose codec reads its base from the file (zstd-windows), the target file holding it, read range by range while decoding (never whole). */
function windowsBaseOf(ctx: TxContext, manifest: Manifest, blob: number, oldFileOf: Map<string, string>): { source: string; file: string; sha256: string } | undefined {
  const record = manifest.blobs[blob];
  if (record === undefined || record.base === undefined || baseKindOf(codecOf(record)) !== 'file') return undefined;
  const source = oldFileOf.get(record.base);
  if (source === undefined) throw new Error(`no file in the plan holds the base ${record.base} of blob ${blob}`);
  return { source, file: path.join(ctx.layout.target, source), sha256: record.base };
}

/** The first path (in plan order) whose old node is a file, by that file's sha256: where a delta finds its base. */
function firstPathByOldContent(transitions: readonly Transition[]): Map<string, string> {
  const m = new Map<string, string>();
  for (const t of transitions) if (t.from?.type === 'file' && !m.has(t.from.sha256)) m.set(t.from.sha256, t.path);
  return m;
}

function blobIndexByPath(manifest: Manifest): Map<string, number> {
  const m = new Map<string, number>();
  for (const e of manifest.entries) if (e.blob !== undefined) m.set(e.path, e.blob);
  return m;
}
