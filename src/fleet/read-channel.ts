// Refreshes the trusted metadata and reads one channel's file from it: what sync does first, and again
// before each link of a chain (a halt published meanwhile stops the chain there).
import * as fs from 'node:fs';
import { ServicePackError } from '../errors/index.js';
import { channelTargetOf } from './repo-layout.js';
import { parseChannel, type ChannelRecord } from './channel-record.js';
import { metadataCacheOf, refreshMetadata, type TrustedMetadata } from './refresh-metadata.js';
import { fetchTarget, type SyncSession } from './sync-session.js';

export interface ChannelView {
  metadata: TrustedMetadata;
  channel: ChannelRecord;
}

export async function readChannel(s: SyncSession, name: string): Promise<ChannelView> {
  const metadata = await refreshMetadata(metadataCacheOf(s.fleetDir, s.repoUrl), s.rootFile, s.repoUrl, s.dispatcher, s.ctx.platform, s.signal);
  const t = metadata.targets[channelTargetOf(name)];
  const url = new URL(`targets/${channelTargetOf(name)}`, s.repoUrl).toString();
  if (t === undefined) {
    throw new ServicePackError('CHANNEL_NOT_FOUND', `the repository has no channel ${name}`, {
      hint: 'Create it on the publishing side (`servicepack channel <name> --version V`) or pass another --channel. The target was not changed.',
      details: { url, channel: name },
    });
  }
  const { file } = await fetchTarget(s, t);
  try {
    return { metadata, channel: parseChannel(fs.readFileSync(file)) };
  } catch (err) {
    // Signed but malformed: the publisher's tool wrote something this version does not read.
    if (!(err instanceof Error)) throw err;
    throw new ServicePackError('METADATA_INVALID', `channel ${name}: ${err.message}`, {
      hint: 'The channel file is signed but not one this servicepack reads: re-create it with `servicepack channel`, or upgrade servicepack.',
      details: { url, reason: err.message },
    });
  }
}
