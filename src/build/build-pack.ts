// Two release trees -> one pack file: classify every path, encode each distinct new content once (a
// delta against its old file where smaller) into a spool file beside the output, then write header,
// manifest and payload atomically.
// Same trees, labels and level give a byte-identical pack.
import { basename, dirname, join, resolve } from 'node:path';
import { ServicePackError, abortedError } from '../errors/index.js';
import { deltaCandidate } from '../delta/delta-params.js';
import { encodeAll } from '../delta/encode-pool.js';
import { spillFiles, type EncodeJob } from '../delta/encode-file.js';
import { SPILL_MIN_SIZE, removeSpill } from '../delta/stored-sink.js';
import type { PayloadPiece } from '../format/pack-writer.js';
import type { BlobRecord, EntryAction, Manifest, ManifestEntry, PackHooks, TreeNode } from '../format/manifest.js';
import { canonicalHealth, healthProblem, type PackHealth } from '../format/health.js';
import { FORMAT_VERSION, SPECIAL_BITS } from '../format/manifest.js';
import { MAX_HOOK_ARGS, MAX_HOOK_ARG_BYTES } from '../format/manifest-parse.js';
import { writePack } from '../format/pack-writer.js';
import { DEFAULT_ZSTD_LEVEL, zstd } from '../format/zstd.js';
import { openAtomicOutput } from '../fs/atomic-output.js';
import { buildInputError } from '../inventory/build-input-error.js';
import { STATE_DIR_NAME } from '../format/paths.js';
import { walkTree } from '../inventory/walk-tree.js';
import { keyIdHex, readSecretKeyFile } from '../signing/index.js';
import { checkBuildPaths } from './check-build-paths.js';
import { ntfsNameProblems } from '../format/ntfs-names.js';
import { normalizeExpiry } from './normalize-expiry.js';
import { signManifest } from './sign-manifest.js';
import { classifyTrees } from './classify-trees.js';
import { changesOnly } from './changes-only.js';
import { commitTree } from '../format/tree-commitment.js';
import { cellsPerPartFor, sketchTree } from '../format/tree-sketch.js';

export type BuildEvent =
  | { type: 'build-file'; path: string; action: EntryAction }
  /** A path of the new tree whose setuid, setgid or sticky bit the pack does not carry (see keepSpecialBits). */
  | { type: 'build-warning'; path: string; message: string };

/**
 * Encoding progress: `done` of `total` contents encoded, `bytes` of `totalBytes` (their sizes in the new
 * tree). Sent once with done 0 before the first, then after each content in blob order.
 */
export interface BuildProgress {
  type: 'build-progress';
  done: number;
  total: number;
  bytes: number;
  totalBytes: number;
}

/** A name of the new tree Windows cannot hold (NTFS_UNSAFE_NAME): the pack builds, but installing it on Windows is refused. */
export interface BuildWarning {
  type: 'warning';
  code: 'NTFS_UNSAFE_NAME';
  message: string;
  path: string;
  reason: string;
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
  /** Store changed files as deltas against their old version where that is smaller (default true). */
  delta?: boolean;
  /** Worker threads that encode files: default one per core (none for builds under 1 MiB); 0 encodes on the calling thread. */
  threads?: number;
  /** Secret key file (minisign `.key`) to sign the manifest with; unsigned packs are refused by default at install. */
  signWith?: string;
  /** Passphrase of an encrypted secret key. */
  passphrase?: string;
  /** Expiry written into the signed manifest: `YYYY-MM-DD` (the end of that day, UTC) or `YYYY-MM-DDTHH:MM:SSZ`. */
  expires?: string;
  /** Commands the installer runs before and after the commit (docs/format.md, "Hooks"). */
  hooks?: PackHooks;
  /** Health checks the installer runs after the commit, and the trial's timing (docs/health.md). */
  health?: PackHealth;
  /**
   * Record setuid, setgid and sticky bits (default false: they are dropped from both trees, and each
   * new-tree path that had one is reported in `specialBitsDropped` and as a `build-warning` event).
   */
  keepSpecialBits?: boolean;
  /**
   * Refuse what makes a pack nobody should install: an `expires` already past (USAGE) and trees that
   * change nothing without hooks (BUILD_INPUT). The command line always sets it.
   */
  strict?: boolean;
  /** Called once per entry, in path order, before its content (if any) is compressed. */
  onEvent?: (e: BuildEvent) => void;
  /** Called as contents are encoded (on the calling thread, between worker results). */
  onProgress?: (p: BuildProgress) => void;
  /** Called for each name of the new tree that Windows cannot hold, before anything is compressed. */
  onWarning?: (w: BuildWarning) => void;
  /** Stops the build (INTERRUPTED) before it starts or between two encoded files; `out` is then not written. */
  signal?: AbortSignal;
}

export interface BuildResult {
  packId: string;
  out: string;
  size: number;
  counts: Record<EntryAction, number>;
  blobs: number;
  /** How many of the blobs are deltas. */
  deltas: number;
  /** Key id of the signing key, when the pack is signed. */
  keyId?: string;
  expires?: string;
  /** Paths of the new tree whose setuid, setgid or sticky bit was dropped (empty with keepSpecialBits). */
  specialBitsDropped: string[];
}

/**
 * Builds the pack turning `oldDir` into `newDir` at `out`: BUILD_INPUT for unusable trees, IO_FAILED for
 * output failures. Files are encoded on worker threads (see `threads`); the pack does not depend on how many.
 */
export async function buildPack(opts: BuildOptions): Promise<BuildResult> {
  checkStop(opts);
  const level = checkLevel(opts.level ?? DEFAULT_ZSTD_LEVEL);
  const threads = checkThreads(opts.threads ?? 'auto');
  const hooks = opts.hooks !== undefined && (opts.hooks.pre !== undefined || opts.hooks.post !== undefined) ? checkHooks(opts.hooks) : undefined;
  const health = opts.health === undefined || opts.health.checks.length === 0 ? undefined : checkHealth(opts.health);
  const expires = opts.expires === undefined ? undefined : normalizeExpiry(opts.expires);
  if (opts.strict === true && expires !== undefined && Date.parse(expires) <= Date.now()) {
    throw new ServicePackError('USAGE', `--expires ${opts.expires} is already past: every install would refuse the pack as expired`, {
      hint: 'Give a date in the future, for example the end of the support period of this release.',
      details: { argument: 'expires' },
    });
  }
  // Read the key before the long compression, so a wrong path or passphrase fails at once.
  const key = opts.signWith === undefined ? undefined : readSecretKeyFile(opts.signWith, opts.passphrase);
  const walkOptions = { refuse: [STATE_DIR_NAME] };
  const oldTree = walkTree(opts.oldDir, walkOptions);
  const newTree = walkTree(opts.newDir, walkOptions);
  const specialBitsDropped = opts.keepSpecialBits === true ? [] : dropSpecialBits(newTree);
  if (opts.keepSpecialBits !== true) dropSpecialBits(oldTree);
  for (const path of specialBitsDropped) {
    opts.onEvent?.({ type: 'build-warning', path, message: 'its setuid, setgid or sticky bit is not recorded (build with keepSpecialBits to keep it)' });
  }
  const entries = classifyTrees(oldTree, newTree);
  checkBuildPaths(entries, opts.oldDir, opts.newDir);
  for (const { path, reason } of ntfsNameProblems(entries.filter((e) => e.new !== undefined).map((e) => e.path))) {
    opts.onWarning?.({ type: 'warning', code: 'NTFS_UNSAFE_NAME', message: `${JSON.stringify(path)} cannot be installed on Windows: ${reason}`, path, reason });
  }
  const counts: Record<EntryAction, number> = { add: 0, change: 0, remove: 0, keep: 0 };
  for (const e of entries) counts[e.action]++;
  if (opts.strict === true && hooks === undefined && counts.keep === entries.length) {
    throw new ServicePackError('BUILD_INPUT', `Cannot build from ${opts.newDir}: it is identical to ${opts.oldDir}, so the pack would change nothing.`, {
      hint: 'Check that the two directories are the old and the new release. A pack that only runs commands needs --pre-hook or --post-hook.',
      details: { path: opts.newDir, reason: 'identical to the old tree' },
    });
  }
  // The manifest carries what changes; the whole trees only as commitments (docs/format.md).
  const baseTree = { ...commitTree(oldTree), sketch: sketchTree(oldTree, cellsPerPartFor(oldTree.size)).toString('base64') };
  const resultTree = commitTree(newTree);
  const carried = changesOnly(entries);
  const jobs = planJobs(carried, opts, level);
  const progress = { type: 'build-progress' as const, done: 0, total: jobs.length, bytes: 0, totalBytes: jobs.reduce((n, j) => n + j.newSize, 0) };
  opts.onProgress?.({ ...progress });
  const spool = openAtomicOutput(join(dirname(opts.out), `.${basename(opts.out)}.payload`));
  try {
    const blobs: BlobRecord[] = [];
    // Small blobs go to the spool; a large blob's spill file is copied straight into the pack.
    const pieces: PayloadPiece[] = [];
    let payloadSize = 0;
    await encodeAll(jobs, threads, (i, outcome) => {
      if (!outcome.ok) throw buildInputError(outcome.failure.path, outcome.failure.reason);
      checkStop(opts);
      const { file } = outcome;
      blobs.push({ offset: payloadSize, storedSize: file.storedSize, storedSha256: file.storedSha256, encoding: file.encoding, ...(file.base === undefined ? {} : { base: file.base }), size: file.size, sha256: file.sha256 });
      if (file.spilled !== undefined) pieces.push({ path: file.spilled, length: file.storedSize });
      else {
        const last = pieces.at(-1);
        if (last !== undefined && 'fd' in last) last.length += file.storedSize;
        else pieces.push({ fd: spool.fd, offset: spool.size, length: file.storedSize });
        spool.write(file.stored!);
      }
      payloadSize += file.storedSize;
      if (blobs.length !== i + 1) throw new Error('encode outcomes arrived out of order');
      progress.done++;
      progress.bytes += jobs[i]!.newSize;
      opts.onProgress?.({ ...progress });
    });
    const manifest: Manifest = {
      format: FORMAT_VERSION,
      product: opts.product ?? basename(resolve(opts.newDir)),
      fromVersion: opts.fromVersion ?? 'old',
      toVersion: opts.toVersion ?? 'new',
      ...(expires === undefined ? {} : { expires }),
      baseTree,
      resultTree,
      entries: carried,
      blobs,
    };
    if (hooks !== undefined) manifest.hooks = hooks;
    if (health !== undefined) manifest.health = health;
    const signature = key === undefined ? undefined : signManifest(manifest, key);
    const written = writePack(opts.out, manifest, { fd: spool.fd, length: payloadSize, pieces }, signature);
    return {
      packId: written.packId, out: opts.out, size: written.size, counts, blobs: blobs.length, deltas: blobs.filter((b) => b.base !== undefined).length,
      ...(key === undefined ? {} : { keyId: keyIdHex(key.keyId) }), ...(expires === undefined ? {} : { expires }), specialBitsDropped,
    };
  } finally {
    spool.abort();
    for (const job of jobs) if (job.spill !== undefined) for (const p of spillFiles(job.spill)) removeSpill(p);
  }
}

function checkStop(opts: BuildOptions): void {
  if (opts.signal?.aborted === true) throw abortedError(opts.signal);
}

/**
 * Assigns blob indices to `entries` in place (one blob per distinct content, in order of first use) and
 * returns one encode job per blob. The first entry using a content decides whether it may be a delta.
 */
function planJobs(entries: ManifestEntry[], opts: BuildOptions, level: number): EncodeJob[] {
  const jobs: EncodeJob[] = [];
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
    const job: EncodeJob = { newPath: join(opts.newDir, entry.path), newSize: node.size, newSha256: node.sha256, level };
    const old = entry.old;
    if (opts.delta !== false && old?.type === 'file' && deltaCandidate(old.size, node.size)) job.old = { path: join(opts.oldDir, entry.path), sha256: old.sha256, size: old.size };
    if (node.size >= SPILL_MIN_SIZE) job.spill = join(dirname(opts.out), `.${basename(opts.out)}.blob-${process.pid}-${jobs.length}`);
    entry.blob = jobs.length;
    byContent.set(node.sha256, jobs.length);
    jobs.push(job);
  }
  return jobs;
}

/** Clears setuid, setgid and sticky in `tree` in place; returns the paths that had one. */
function dropSpecialBits(tree: Map<string, TreeNode>): string[] {
  const dropped: string[] = [];
  for (const [path, node] of tree) {
    if (node.type === 'symlink' || (node.mode & SPECIAL_BITS) === 0) continue;
    node.mode &= ~SPECIAL_BITS;
    dropped.push(path);
  }
  return dropped;
}

function checkThreads(threads: number | 'auto'): number | 'auto' {
  if (threads !== 'auto' && (!Number.isInteger(threads) || threads < 0 || threads > 256)) {
    throw new ServicePackError('USAGE', `The thread count must be an integer from 0 to 256, not ${threads}.`, {
      hint: 'Omit it to use one worker thread per core; 0 encodes on the calling thread.',
      details: { argument: 'threads' },
    });
  }
  return threads;
}

/** Health checks as the reader will accept them (in canonical form); USAGE otherwise, before anything is written. */
function checkHealth(health: PackHealth): PackHealth {
  const problem = healthProblem(health, 'the health checks');
  if (problem !== undefined) {
    throw new ServicePackError('USAGE', `${problem}.`, { hint: 'for example --health-url http://127.0.0.1:8080/health --health-window 10', details: { argument: 'health' } });
  }
  return canonicalHealth(health) as PackHealth;
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
  const max = zstd().maxCLevel();
  if (!Number.isInteger(level) || level < 1 || level > max) {
    throw new ServicePackError('USAGE', `The compression level must be an integer from 1 to ${max}, not ${level}.`, {
      hint: 'Omit the level to use the default, 19.',
      details: { argument: 'level' },
    });
  }
  return level;
}
