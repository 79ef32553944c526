// The fleet functions of the library (repoInit, publish, channel, repoTimestamp, sync): their option names
// are the command line's flags in camelCase like every other call's (`--keys` -> `keys`, `--pack-key` ->
// `packKey`, `--required-stop` -> `requiredStop`, `--days` -> `days`), checked before anything is read;
// an AbortSignal stops them. They run on the calling thread: they wait on the network and the disk, and
// the fleet modules (tuf-js, undici) are loaded only when one of them is called.
import { abortedError, isServicePackError } from '../errors/index.js';
import { selectPlatform, type Platform } from '../platform/index.js';
import type { EventSink } from '../records/events.js';
import type { RepoInitResult } from '../fleet/repo-init.js';
import type { PublishResult } from '../fleet/publish.js';
import type { ChannelResult } from '../fleet/set-channel.js';
import type { SyncResult } from '../fleet/sync-target.js';
import type { LinkGate } from '../fleet/install-chain.js';
import { checkOptionNames, listOf, stopRequestOf } from './api-options.js';
import { contextOfOptions } from './operation-table.js';

/** Options of the commands that change a fleet repository. */
export interface RepoOptions {
  /** The repository directory (`--repo`; `repo init`'s argument), uploaded as it is to a web server, bucket or CDN. */
  repo: string;
  /** The directory of the role keys (`--keys`; `repo init` writes them; root.key may stay offline). */
  keys: string;
  /** The clock metadata expiries are computed from (default now; library only). */
  now?: Date;
  /** A Platform object (the fleet functions run on the calling thread). Default: the running OS. */
  platform?: Platform;
  /** Checked before the call changes anything: an aborted signal rejects with INTERRUPTED. */
  signal?: AbortSignal;
}

export interface PublishOptions extends RepoOptions {
  /** `--pack-key`: public keys that sign the packs, listed for installations to trust. */
  packKey?: string | readonly string[];
}

export interface ChannelOptions extends RepoOptions {
  version?: string;
  percent?: number;
  halt?: boolean;
  resume?: boolean;
  /** `--required-stop`: versions every chain across them must stop at. */
  requiredStop?: string | readonly string[];
  pull?: string | readonly string[];
  unpull?: string | readonly string[];
}

export interface TimestampOptions extends RepoOptions {
  /** `--days`: days the new timestamp is valid (default 7). */
  days?: number;
}

/** Options of `sync`: its flags, plus how it reports and stops. */
export interface SyncOptions extends LinkGate {
  /** The installation directory (`--target`). */
  target: string;
  /** `--repo`: http(s)://..., file:///... or a directory. */
  repo: string;
  /** `--root`: the repository's root.json, trusted the first time. */
  root: string;
  channel?: string;
  dryRun?: boolean;
  /** Overrides /etc/machine-id for the staged rollout. */
  machineId?: string;
  /** Download cap in bytes per second. */
  maxRate?: number;
  /** Where sync keeps trusted metadata and partial downloads. */
  cacheDir?: string;
  /** Stops the downloads at once and each install up to its point of no return (it rolls back). */
  signal?: AbortSignal;
  /** Progress events of the installs. */
  onEvent?: EventSink;
  /** A Platform object (sync runs on the calling thread, its installs too). Default: the running OS. */
  platform?: Platform;
  /** Polled between the steps of each install up to its point of no return, like `signal`. */
  stopRequested?: () => string | null;
}

const REPO = ['repo', 'keys', 'now', 'platform', 'signal'] as const;
const SYNC = ['target', 'repo', 'root', 'channel', 'dryRun', 'machineId', 'maxRate', 'cacheDir', 'signal', 'onEvent', 'platform', 'stopRequested', 'checkLink'] as const;

function started(call: string, options: unknown, known: readonly string[]): void {
  checkOptionNames(call, options, known);
  const signal = (options as { signal?: AbortSignal }).signal;
  if (signal?.aborted === true) throw abortedError(signal);
}

const platformOf = (o: RepoOptions): Platform => o.platform ?? selectPlatform();
const signing = (o: RepoOptions): { now?: Date } => (o.now === undefined ? {} : { now: o.now });

export async function repoInitCall(options: RepoOptions): Promise<RepoInitResult> {
  started('repoInit', options, REPO);
  const { initRepo } = await import('../fleet/repo-init.js');
  return initRepo(options.repo, options.keys, platformOf(options), signing(options));
}

export async function publishCall(packs: readonly string[], options: PublishOptions): Promise<PublishResult> {
  started('publish', options, [...REPO, 'packKey']);
  const { publishPacks } = await import('../fleet/publish.js');
  return publishPacks([...packs], { repo: options.repo, keyDir: options.keys, packKeys: listOf(options.packKey), ...signing(options) }, platformOf(options));
}

export async function channelCall(name: string, o: ChannelOptions): Promise<ChannelResult> {
  started('channel', o, [...REPO, 'version', 'percent', 'halt', 'resume', 'requiredStop', 'pull', 'unpull']);
  const { setChannel } = await import('../fleet/set-channel.js');
  return setChannel(name, {
    repo: o.repo, keyDir: o.keys, halt: o.halt === true, resume: o.resume === true,
    requiredStops: listOf(o.requiredStop), pull: listOf(o.pull), unpull: listOf(o.unpull), ...signing(o),
    ...(o.version === undefined ? {} : { version: o.version }), ...(o.percent === undefined ? {} : { percent: o.percent }),
  }, platformOf(o));
}

export async function timestampCall(o: TimestampOptions): Promise<{ version: number; expires: string }> {
  started('repoTimestamp', o, [...REPO, 'days']);
  const { readRepo, writeTimestamp } = await import('../fleet/repo-state.js');
  const ts = writeTimestamp(o.repo, o.keys, readRepo(o.repo), null, platformOf(o), { ...signing(o), ...(o.days === undefined ? {} : { timestampDays: o.days }) });
  return { version: ts.signed.version, expires: ts.signed.expires };
}

export async function syncCall(o: SyncOptions): Promise<SyncResult> {
  started('sync', o, SYNC);
  const { syncTarget } = await import('../fleet/sync-target.js');
  const { signal, stopRequested } = o;
  // The installs of the chain poll one stop request: the signal's abort or the caller's own.
  const stop = stopRequestOf(signal, stopRequested);
  const ctx = contextOfOptions({ ...o, ...(stop === undefined ? {} : { stopRequested: stop }) });
  try {
    return await syncTarget(ctx, o);
  } catch (err) {
    // A download or metadata request cut by the signal surfaces as undici's AbortError: the caller asked
    // for the stop. Coded errors (an install's own INTERRUPTED, a refused link) pass as they are.
    if (signal?.aborted === true && !isServicePackError(err)) throw Object.assign(abortedError(signal), { cause: err });
    throw err;
  }
}
