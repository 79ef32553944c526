// Two release trees -> one pack file: classify every path, compress each distinct new content once
// into a spool file beside the output, then write header, manifest and payload atomically.
// Same trees, labels and level give a byte-identical pack.
import { basename, dirname, join, resolve } from 'node:path';
import { ServicePackError, isServicePackError } from '../errors/index.js';
import { encodeBlobFromFile } from '../format/blob-encoder.js';
import type { BlobRecord, EntryAction, Manifest, ManifestEntry, PackHooks } from '../format/manifest.js';
import { FORMAT_VERSION } from '../format/manifest.js';
import { MAX_HOOK_ARGS, MAX_HOOK_ARG_BYTES } from '../format/manifest-parse.js';
import { writePack } from '../format/pack-writer.js';
import { DEFAULT_ZSTD_LEVEL, zstd } from '../format/zstd.js';
import { openAtomicOutput } from '../fs/atomic-output.js';
import type { AtomicOutput } from '../fs/atomic-output.js';
import { buildInputError } from '../inventory/build-input-error.js';
import { STATE_DIR_NAME } from '../format/paths.js';
import { walkTree } from '../inventory/walk-tree.js';
import { checkBuildPaths } from './check-build-paths.js';
import { classifyTrees } from './classify-trees.js';

export interface BuildEvent {
  type: 'build-file';
  path: string;
  action: EntryAction;
}

export interface BuildOptions {
  oldDir: string;
  newDir: string;
  out: string;
  /** Defaults to the base name of `newDir`. */
  product?: string;
  fromVersion?: string;
  toVersion?: string;
  /** zstd level, default 19. */
  level?: number;
  /** Commands the installer runs before and after the commit (docs/format.md, "Hooks"). */
  hooks?: PackHooks;
  /** Called once per entry, in path order, before its content (if any) is compressed. */
  onEvent?: (e: BuildEvent) => void;
}

export interface BuildResult {
  packId: string;
  out: string;
  size: number;
  counts: Record<EntryAction, number>;
  blobs: number;
}

/** Builds the pack turning `oldDir` into `newDir` at `out`: BUILD_INPUT for unusable trees, IO_FAILED for output failures. */
export function buildPack(opts: BuildOptions): BuildResult {
  const level = checkLevel(opts.level ?? DEFAULT_ZSTD_LEVEL);
  const walkOptions = { exclude: [STATE_DIR_NAME] };
  const entries = classifyTrees(walkTree(opts.oldDir, walkOptions), walkTree(opts.newDir, walkOptions));
  checkBuildPaths(entries, opts.oldDir, opts.newDir);
  const counts: Record<EntryAction, number> = { add: 0, change: 0, remove: 0, keep: 0 };
  for (const e of entries) counts[e.action]++;
  const spool = openAtomicOutput(join(dirname(opts.out), `.${basename(opts.out)}.payload`));
  try {
    const blobs = compressBlobs(entries, opts, level, spool);
    const manifest: Manifest = {
      format: FORMAT_VERSION,
      product: opts.product ?? basename(resolve(opts.newDir)),
      fromVersion: opts.fromVersion ?? 'old',
      toVersion: opts.toVersion ?? 'new',
      entries,
      blobs,
    };
    if (opts.hooks !== undefined && (opts.hooks.pre !== undefined || opts.hooks.post !== undefined)) manifest.hooks = checkHooks(opts.hooks);
    const written = writePack(opts.out, manifest, { fd: spool.fd, length: spool.size });
    return { packId: written.packId, out: opts.out, size: written.size, counts, blobs: blobs.length };
  } finally {
    spool.abort();
  }
}

/** Assigns blob indices to `entries` in place (one blob per distinct content, in order of first use) and compresses them into `spool`. */
function compressBlobs(entries: ManifestEntry[], opts: BuildOptions, level: number, spool: AtomicOutput): BlobRecord[] {
  const blobs: BlobRecord[] = [];
  const byContent = new Map<string, number>();
  for (const entry of entries) {
    opts.onEvent?.({ type: 'build-file', path: entry.path, action: entry.action });
    const node = entry.new;
    if ((entry.action !== 'add' && entry.action !== 'change') || node?.type !== 'file') continue;
    const existing = byContent.get(node.sha256);
    if (existing !== undefined) {
      entry.blob = existing;
      continue;
    }
    const source = join(opts.newDir, entry.path);
    const offset = spool.size;
    let encoded;
    try {
      encoded = encodeBlobFromFile(source, node.size, level, spool.write);
    } catch (err) {
      if (isServicePackError(err)) throw err;
      throw buildInputError(source, `it could not be read and compressed (${err instanceof Error ? err.message : String(err)}); did it change during the build?`, err);
    }
    if (encoded.sha256 !== node.sha256 || encoded.size !== node.size) throw buildInputError(source, 'it changed during the build');
    entry.blob = blobs.length;
    byContent.set(node.sha256, blobs.length);
    blobs.push({ offset, storedSize: encoded.storedSize, storedSha256: encoded.storedSha256, encoding: 'zstd', size: encoded.size, sha256: encoded.sha256 });
  }
  return blobs;
}

/** Hooks as the reader will accept them; USAGE otherwise, before anything is written. */
function checkHooks(hooks: PackHooks): PackHooks {
  const out: PackHooks = {};
  for (const phase of ['pre', 'post'] as const) {
    const argv = hooks[phase];
    if (argv === undefined) continue;
    if (argv.length === 0 || argv[0] === '' || argv.length > MAX_HOOK_ARGS || argv.some((a) => a.includes('\0') || Buffer.byteLength(a) > MAX_HOOK_ARG_BYTES)) {
      throw new ServicePackError('USAGE', `The ${phase} hook must be a program followed by at most ${MAX_HOOK_ARGS - 1} arguments, without NUL characters.`, {
        hint: `for example --${phase}-hook "systemctl stop myapp"`,
        details: { argument: `--${phase}-hook` },
      });
    }
    out[phase] = [...argv];
  }
  return out;
}

function checkLevel(level: number): number {
  if (!Number.isInteger(level) || level < 1 || level > zstd.maxCLevel()) {
    throw new ServicePackError('USAGE', `The compression level must be an integer from 1 to ${zstd.maxCLevel()}, not ${level}.`, {
      hint: 'Omit the level to use the default, 19.',
      details: { argument: 'level' },
    });
  }
  return level;
}
