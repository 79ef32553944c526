// Installs a chain link by link, each with the install transaction. Before each link after the first
// the channel is read again: a halt stops the chain there, every installed link staying a whole,
// released version. A link that fails (its install, or the `checkLink` gate after it, where health
// checks plug in) rolls the target back to where the sync started, uninstalling the links this sync
// installed, newest first.
import { installPack, type InstallResult } from '../operations/install.js';
import { uninstallLatest } from '../operations/uninstall.js';
import { ServicePackError } from '../errors/index.js';
import type { ChainLinkFile } from './check-chain.js';
import { readChannel } from './read-channel.js';
import type { SyncSession } from './sync-session.js';

export interface LinkGate {
  /** Called after each link is installed; a throw rolls the target back to the sync's starting version. */
  checkLink?: (link: { from: string; to: string; packId: string }, result: InstallResult) => Promise<void> | void;
}

export interface InstalledLink {
  from: string;
  to: string;
  packId: string;
  txid: string;
  restartNeeded: boolean;
}

export async function installChain(s: SyncSession, channelName: string, links: ChainLinkFile[], trustedKeys: string[], gate: LinkGate): Promise<InstalledLink[]> {
  const done: InstalledLink[] = [];
  for (const [i, { pack, file }] of links.entries()) {
    if (i > 0) {
      const { channel } = await readChannel(s, channelName);
      if (channel.halted) throw halted(channelName, channel.version, `after ${done.length} of ${links.length} links; the target is at ${pack.from}`);
    }
    try {
      const r = installPack(s.ctx, file, { trustedKeys });
      done.push({ from: pack.from, to: pack.to, packId: r.packId, txid: r.txid, restartNeeded: r.restartNeeded });
      s.ctx.emit({ type: 'sync', step: 'link', message: `installed ${pack.product} ${pack.from} -> ${pack.to}` });
      await gate.checkLink?.({ from: pack.from, to: pack.to, packId: r.packId }, r);
    } catch (err) {
      rollBack(s, done.length, links[0]!.pack.from);
      throw err;
    }
  }
  return done;
}

/** Uninstalls the `count` links this sync installed (the failed link's own transaction rolled itself back). */
function rollBack(s: SyncSession, count: number, start: string): void {
  for (let k = 0; k < count; k++) uninstallLatest(s.ctx);
  if (count > 0) s.ctx.emit({ type: 'sync', step: 'rolled-back', message: `rolled back ${count} link(s): the target is at ${start} again` });
}

export const halted = (channel: string, version: string, where: string): ServicePackError<'CHANNEL_HALTED'> =>
  new ServicePackError('CHANNEL_HALTED', `the rollout of ${channel} (${version}) is halted ${where}`.trim(), {
    hint: 'The publisher stopped this rollout (`servicepack channel <name> --halt`); sync again after `--resume`. Nothing is half-installed.',
    details: { channel, version },
  });
