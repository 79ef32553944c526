// Where a sync starts and which packs it installs: the installed version from the target's state, or,
// for a target servicepack never managed, the base version whose files it holds (tried by dry-running
// each candidate's first link, as install recognises a base by its hashes: smallest first link first,
// since each try downloads it, then the cheapest chain).
import { ServicePackError, isServicePackError } from '../errors/index.js';
import { planInstallOnly, type InstallPlan } from '../operations/install.js';
import { compareVersions } from '../planner/compare-versions.js';
import type { ChannelRecord } from './channel-record.js';
import { findChain } from './find-chain.js';
import type { PublishedPack } from './published-packs.js';
import { fetchTarget, type SyncSession } from './sync-session.js';
import type { TrustedMetadata } from './refresh-metadata.js';

export interface PlannedChain {
  from: string;
  links: PublishedPack[];
  /** The first link's dry run, when identifying an unmanaged target already made it. */
  firstPlan?: InstallPlan;
}

/** Codes that mean "the target is not this candidate's base": try the next one. */
const NOT_THIS_BASE = ['BASE_MISMATCH', 'VERSION_MISMATCH', 'PRODUCT_MISMATCH'] as const;

export async function planChain(s: SyncSession, installed: string | null, channel: ChannelRecord, metadata: TrustedMetadata, packs: PublishedPack[], trustedKeys: string[]): Promise<PlannedChain> {
  if (installed !== null) {
    const links = findChain(packs, installed, channel.version, channel);
    if (links === null) throw noChain(channel, installed, 'no published chain obeys the channel\'s required stops and pulled versions');
    return { from: installed, links };
  }
  const starts = [...new Set(packs.map((p) => p.from))].sort(compareVersions);
  const candidates = starts.flatMap((from) => {
    const links = findChain(packs, from, channel.version, channel);
    return links === null || links.length === 0 ? [] : [{ from, links, probe: links[0]!.length, bytes: links.reduce((a, l) => a + l.length, 0) }];
  }).sort((a, b) => a.probe - b.probe || a.bytes - b.bytes);
  for (const c of candidates) {
    const first = c.links[0]!;
    const { file } = await fetchTarget(s, metadata.targets[first.name]!);
    try {
      return { from: c.from, links: c.links, firstPlan: planInstallOnly(s.ctx, file, { trustedKeys }) };
    } catch (err) {
      if (!NOT_THIS_BASE.some((code) => isServicePackError(err, code))) throw err;
    }
  }
  throw noChain(channel, 'unknown', 'the target is not managed by servicepack and its files match the base of no published pack');
}

export const noChain = (c: ChannelRecord, from: string, reason: string): ServicePackError<'NO_CHAIN'> =>
  new ServicePackError('NO_CHAIN', `no chain of service packs leads from ${c.product} ${from} to ${c.version}: ${reason}`, {
    hint: 'Publish the missing packs or point the channel at a reachable version; `servicepack status --target <dir>` shows the installed version. The target was not changed.',
    details: { product: c.product, from, to: c.version, reason },
  });
