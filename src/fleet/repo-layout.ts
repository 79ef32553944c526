// Where a fleet repository keeps its files (docs/fleet.md, "Repository layout"): TUF metadata under
// metadata/, content under targets/ named by hash (consistent snapshots), so that every file but
// metadata/timestamp.json is written once and never changes.
import * as path from 'node:path';

export const CHANNEL_PREFIX = 'channels/';
export const PACK_PREFIX = 'packs/';
export const KEY_PREFIX = 'keys/';

export const metadataDirOf = (repo: string): string => path.join(repo, 'metadata');
export const targetsDirOf = (repo: string): string => path.join(repo, 'targets');

/** The TUF target name of a channel file. */
export const channelTargetOf = (channel: string): string => `${CHANNEL_PREFIX}${channel}.json`;

/** The file of a target inside targets/: `<dir>/<sha256>.<base>` (TUF's hash-prefixed consistent snapshot). */
export function hashedPathOf(targetName: string, sha256: string): string {
  const dir = path.posix.dirname(targetName);
  const base = path.posix.basename(targetName);
  return dir === '.' ? `${sha256}.${base}` : `${dir}/${sha256}.${base}`;
}

/** Names usable as channel names and inside target names: no separators, no dot files. */
export const SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9._+-]{0,99}$/;
