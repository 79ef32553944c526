// channel: creates or changes a channel file (channels/<name>.json) in a fleet repository and re-signs
// the metadata. A new version starts a new rollout (a new bucket order); --halt and --resume only flip
// the halt; the percentage applies to the current rollout.
import { TargetFile } from '@tufjs/models';
import { ServicePackError } from '../errors/index.js';
import type { Durability } from '../fs/durable.js';
import { SAFE_NAME, channelTargetOf, hashedPathOf, targetsDirOf } from './repo-layout.js';
import { readRepo, writeTargets, type SigningOptions } from './repo-state.js';
import { channelBytes, parseChannel, type ChannelRecord } from './channel-record.js';
import { publishedPacks } from './published-packs.js';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import { fsyncDir } from '../fs/durable.js';

export interface ChannelChanges extends SigningOptions {
  repo: string;
  keyDir: string;
  version?: string;
  percent?: number;
  halt?: boolean;
  resume?: boolean;
  /** Versions every chain through them must stop at (added). */
  requiredStops?: string[];
  /** Versions no installation may land on (added); `unpull` removes. */
  pull?: string[];
  unpull?: string[];
}

export interface ChannelResult {
  channel: ChannelRecord;
  targetsVersion: number;
  timestampExpires: string;
}

export function setChannel(name: string, changes: ChannelChanges, platform: Durability): ChannelResult {
  if (!SAFE_NAME.test(name)) throw usage(`channel name "${name}" is not allowed`, 'Use letters, digits and . _ + - (default channel: stable).', name);
  if (changes.halt === true && changes.resume === true) throw usage('--halt and --resume contradict each other', 'Give one of them.', '--halt');
  const state = readRepo(changes.repo);
  const targets = { ...state.targets.signed.targets };
  const targetName = channelTargetOf(name);
  const current = targets[targetName] === undefined ? null : readChannel(changes.repo, targets[targetName]!);
  const version = changes.version ?? current?.version;
  if (version === undefined) throw usage(`channel ${name} does not exist yet: give --version`, 'The first `channel` call names the version the channel points at.', '--version');
  const packs = publishedPacks(targets).filter((p) => p.to === version);
  if (packs.length === 0) {
    throw new ServicePackError('REPO_INVALID', `no published pack leads to ${version}`, { hint: 'Publish the packs first (`servicepack publish`), then point the channel at their version.', details: { path: changes.repo, reason: `no pack to ${version}` } });
  }
  const product = packs[0]!.product;
  const newRollout = current === null || current.version !== version;
  const record: ChannelRecord = {
    channel: name, product, version,
    percent: changes.percent ?? (newRollout ? 100 : current.percent),
    halted: changes.halt === true ? true : changes.resume === true ? false : newRollout ? false : current.halted,
    rollout: newRollout ? `${version}@${(changes.now ?? new Date()).toISOString()}` : current.rollout,
    requiredStops: [...new Set([...(current?.requiredStops ?? []), ...(changes.requiredStops ?? [])])],
    pulled: [...new Set([...(current?.pulled ?? []), ...(changes.pull ?? [])])].filter((v) => !(changes.unpull ?? []).includes(v)),
  };
  if (!Number.isFinite(record.percent) || record.percent < 0 || record.percent > 100) throw usage(`--percent ${record.percent} is not 0-100`, 'Give a percentage from 0 to 100.', '--percent');
  const bytes = channelBytes(record);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const dest = path.join(targetsDirOf(changes.repo), hashedPathOf(targetName, sha256));
  fs.mkdirSync(path.dirname(dest), { recursive: true });
  fs.writeFileSync(`${dest}.tmp-${process.pid}`, bytes);
  fs.renameSync(`${dest}.tmp-${process.pid}`, dest);
  fsyncDir(path.dirname(dest), platform);
  targets[targetName] = new TargetFile({ path: targetName, length: bytes.length, hashes: { sha256 } });
  const next = writeTargets(changes.repo, changes.keyDir, state, targets, platform, changes);
  return { channel: record, targetsVersion: next.targets.signed.version, timestampExpires: next.timestamp.signed.expires };
}

function readChannel(repo: string, t: TargetFile): ChannelRecord {
  return parseChannel(fs.readFileSync(path.join(targetsDirOf(repo), hashedPathOf(t.path, t.hashes.sha256 ?? ''))));
}

const usage = (message: string, hint: string, argument: string) => new ServicePackError('USAGE', message, { hint, details: { argument } });
