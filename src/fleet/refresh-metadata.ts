// Refreshes a target's trusted copy of a repository's metadata by TUF's client workflow (tuf-js):
// versions never go back, expired metadata is refused, every file is checked against the keys of the
// trusted root. tuf-js writes its files in place, so it works on a scratch copy; only a refresh that
// succeeded replaces the kept files, each whole or not at all (docs/fleet.md, "Client state").
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Metadata, MetadataKind, type TargetFile } from '@tufjs/models';
import { Updater } from 'tuf-js';
import type { Dispatcher } from 'undici';
import { ServicePackError, hasErrno } from '../errors/index.js';
import { writeFileAtomic, type Durability } from '../fs/durable.js';
import { repoFetcher } from './tuf-fetcher.js';
import { metadataError } from './tuf-errors.js';

const FILES = ['root.json', 'timestamp.json', 'snapshot.json', 'targets.json'];

export interface TrustedMetadata {
  targets: Record<string, TargetFile>;
  timestampVersion: number;
  timestampExpires: string;
}

/** The directory a target keeps one repository's trusted metadata in (one per repository URL). */
export const metadataCacheOf = (fleetDir: string, repoUrl: string): string =>
  path.join(fleetDir, 'metadata', createHash('sha256').update(repoUrl).digest('hex').slice(0, 16));

export async function refreshMetadata(cacheDir: string, rootFile: string, repoUrl: string, dispatcher: Dispatcher, platform: Durability, signal?: AbortSignal): Promise<TrustedMetadata> {
  fs.mkdirSync(cacheDir, { recursive: true, mode: 0o700 });
  const work = `${cacheDir}.work-${process.pid}`;
  fs.rmSync(work, { recursive: true, force: true });
  fs.mkdirSync(work, { mode: 0o700 });
  try {
    seed(cacheDir, work, rootFile);
    const metadataBaseUrl = new URL('metadata/', repoUrl).toString();
    const fetcher = repoFetcher(dispatcher, signal);
    try {
      // The constructor already parses the trusted root: a damaged one is refused like any metadata.
      const updater = new Updater({ metadataDir: work, metadataBaseUrl, fetcher, config: { rootMaxLength: 1 << 20, timestampMaxLength: 1 << 16, snapshotMaxLength: 1 << 24, targetsMaxLength: 1 << 26 } });
      await updater.refresh();
    } catch (err) {
      throw metadataError(err, metadataBaseUrl, fetcher);
    }
    // Trusted now: keep it, file by file. Any mix of old and new files a crash leaves is one tuf-js
    // re-checks (and re-fetches) on the next refresh; none lets a version go back.
    for (const name of FILES) {
      const bytes = fs.readFileSync(path.join(work, name));
      if (!sameBytes(path.join(cacheDir, name), bytes)) writeFileAtomic(path.join(cacheDir, name), bytes, platform);
    }
    const targets = Metadata.fromJSON(MetadataKind.Targets, JSON.parse(fs.readFileSync(path.join(work, 'targets.json'), 'utf8')));
    const timestamp = Metadata.fromJSON(MetadataKind.Timestamp, JSON.parse(fs.readFileSync(path.join(work, 'timestamp.json'), 'utf8')));
    return { targets: targets.signed.targets, timestampVersion: timestamp.signed.version, timestampExpires: timestamp.signed.expires };
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

/** The scratch copy starts from what the target trusts already, or from `rootFile` the first time. */
function seed(cacheDir: string, work: string, rootFile: string): void {
  let seeded = false;
  for (const name of FILES) {
    try {
      fs.copyFileSync(path.join(cacheDir, name), path.join(work, name));
      if (name === 'root.json') seeded = true;
    } catch (err) {
      if (!hasErrno(err, 'ENOENT')) throw err;
    }
  }
  if (seeded) return;
  try {
    fs.copyFileSync(rootFile, path.join(work, 'root.json'));
  } catch (err) {
    if (!hasErrno(err, 'ENOENT', 'EACCES', 'EISDIR')) throw err;
    throw new ServicePackError('REPO_INVALID', `cannot read the trusted root ${rootFile}`, {
      hint: 'Pass --root the root.json that `servicepack repo init` wrote into the key directory.',
      details: { path: rootFile, reason: (err as NodeJS.ErrnoException).code! },
    });
  }
}

function sameBytes(file: string, bytes: Buffer): boolean {
  try {
    return fs.readFileSync(file).equals(bytes);
  } catch (err) {
    if (!hasErrno(err, 'ENOENT')) throw err;
    return false;
  }
}
