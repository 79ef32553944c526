// sync: brings one target to its channel's version from a fleet repository (docs/fleet.md, "sync"):
// lock, recover, refresh metadata, read the channel, check halt and rollout, plan the cheapest chain,
// download (resuming), dry-run the whole chain, then install link by link. A refused sync leaves the
// target as it was; nothing to do is a success with `changed: false`.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ServicePackError } from '../errors/index.js';
import { TargetLock } from '../fs/lock.js';
import { recoverTarget } from '../operations/recover-target.js';
import { targetStatus } from '../operations/status.js';
import { trustTarget } from '../operations/trust-target.js';
import { requireTarget } from '../engine/require-target.js';
import type { TxContext } from '../records/tx-context.js';
import { newDispatcher } from './open-url.js';
import { publishedKeys, publishedPacks } from './published-packs.js';
import { readChannel } from './read-channel.js';
import { admitted, rolloutBucket } from './rollout-bucket.js';
import { readMachineId } from './machine-id.js';
import { planChain } from './plan-chain.js';
import { checkChain, type ChainLinkFile } from './check-chain.js';
import { halted, installChain, type InstalledLink, type LinkGate } from './install-chain.js';
import { fetchTarget, fleetDirOf, repoUrlOf, type SyncSession } from './sync-session.js';

export interface SyncOptions extends LinkGate {
  repo: string;
  /** The repository's root.json, trusted the first time (later the target's own trusted copy is used). */
  root: string;
  channel?: string;
  dryRun?: boolean;
  /** Overrides /etc/machine-id for the staged rollout. */
  machineId?: string;
  /** The directory sync keeps client state in (trusted metadata, partial downloads); see fleetDirOf. */
  cacheDir?: string;
  /** Download cap in bytes per second. */
  maxRate?: number;
  signal?: AbortSignal;
}

export interface SyncLinkReport {
  name: string;
  from: string;
  to: string;
  length: number;
  received: number;
  resumedFrom: number;
}

export interface SyncResult {
  /** Whether the target changed (or, with dryRun, would change): Ansible's `changed`. */
  changed: boolean;
  failed: false;
  msg: string;
  target: string;
  channel: string;
  product: string;
  from: string | null;
  version: string;
  dryRun: boolean;
  links: SyncLinkReport[];
  installed: InstalledLink[];
  restartNeeded: boolean;
  timestampVersion: number;
}

export async function syncTarget(ctx: TxContext, opts: SyncOptions): Promise<SyncResult> {
  const target = ctx.layout.target;
  requireTarget(target);
  const fleetDir = fleetDirOf(target, opts.cacheDir);
  fs.mkdirSync(fleetDir, { recursive: true, mode: 0o700 });
  const lock = TargetLock.acquire(path.join(fleetDir, 'lock'), target, ctx.platform);
  const s: SyncSession = {
    ctx, repoUrl: repoUrlOf(opts.repo), rootFile: opts.root, fleetDir, downloadsDir: path.join(fleetDir, 'downloads'), dispatcher: newDispatcher(), transfers: new Map(),
    ...(opts.maxRate === undefined ? {} : { maxRate: opts.maxRate }), ...(opts.signal ? { signal: opts.signal } : {}),
  };
  try {
    return await syncLocked(s, opts);
  } finally {
    await s.dispatcher.close();
    lock.release();
  }
}

async function syncLocked(s: SyncSession, opts: SyncOptions): Promise<SyncResult> {
  const channelName = opts.channel ?? 'stable';
  if (targetStatus(s.ctx).pending !== null) recoverTarget(s.ctx);
  const { metadata, channel } = await readChannel(s, channelName);
  s.ctx.emit({ type: 'sync', step: 'metadata', message: `metadata version ${metadata.timestampVersion}: ${channelName} is ${channel.product} ${channel.version}` });
  const status = targetStatus(s.ctx);
  if (status.product !== null && status.product !== channel.product) {
    throw new ServicePackError('PRODUCT_MISMATCH', `the target holds ${status.product}, channel ${channelName} is for ${channel.product}`, {
      hint: 'Point sync at the repository and channel of the product installed here. The target was not changed.',
      details: { target: s.ctx.layout.target, installed: status.product, pack: channel.product },
    });
  }
  const base = { failed: false as const, target: s.ctx.layout.target, channel: channelName, product: channel.product, dryRun: opts.dryRun === true, timestampVersion: metadata.timestampVersion };
  if (status.version === channel.version) {
    return { ...base, changed: false, msg: `${channel.product} is at ${channel.version}, the version of ${channelName}`, from: status.version, version: status.version, links: [], installed: [], restartNeeded: false };
  }
  if (channel.halted) throw halted(channelName, channel.version, '');
  const bucket = rolloutBucket(channel.product, channel.rollout, opts.machineId ?? readMachineId());
  if (!admitted(bucket, channel.percent)) {
    throw new ServicePackError('NOT_IN_ROLLOUT', `this machine (bucket ${bucket.toFixed(2)}) is not in the ${channel.percent}% of ${channelName} admitted to ${channel.version} yet`, {
      hint: 'Nothing to do now: a later sync takes the update once the publisher raises the percentage. The target was not changed.',
      details: { channel: channelName, version: channel.version, percent: channel.percent, bucket },
    });
  }
  const keyFiles = await Promise.all(publishedKeys(metadata.targets).map(async (t) => (await fetchTarget(s, t)).file));
  const pinned = trustTarget(s.ctx, {}).keys.map((k) => k.keyId);
  const repoKeyIds = publishedKeys(metadata.targets).map((t) => path.posix.basename(t.path, '.pub'));
  const packs = publishedPacks(metadata.targets).filter((p) => p.product === channel.product);
  const chain = await planChain(s, status.version, channel, metadata, packs, keyFiles);
  const links: ChainLinkFile[] = [];
  const reports: SyncLinkReport[] = [];
  for (const pack of chain.links) {
    const d = await fetchTarget(s, metadata.targets[pack.name]!);
    const t = s.transfers.get(pack.sha256)!;
    s.ctx.emit({ type: 'sync', step: 'download', message: `downloaded ${pack.name} (${t.received} bytes${t.resumedFrom > 0 ? `, resumed at ${t.resumedFrom}` : ''})` });
    links.push({ pack, file: d.file });
    reports.push({ name: pack.name, from: pack.from, to: pack.to, length: pack.length, ...t });
  }
  checkChain(s, links, keyFiles, [...repoKeyIds, ...pinned], chain.firstPlan);
  const route = [chain.from, ...chain.links.map((l) => l.to)].join(' -> ');
  if (opts.dryRun === true) {
    return { ...base, changed: true, msg: `would install ${route}`, from: chain.from, version: chain.from, links: reports, installed: [], restartNeeded: false };
  }
  const installed = await installChain(s, channelName, links, keyFiles, opts);
  fs.rmSync(s.downloadsDir, { recursive: true, force: true });
  return { ...base, changed: true, msg: `installed ${route}`, from: chain.from, version: channel.version, links: reports, installed, restartNeeded: installed.some((l) => l.restartNeeded) };
}
