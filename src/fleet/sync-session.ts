// What one sync works with: the target's context, where its fleet state lives (.servicepack/fleet/),
// the repository's URLs, the HTTP client, and the trusted metadata once refreshed.
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Dispatcher } from 'undici';
import { ServicePackError } from '../errors/index.js';
import type { TxContext } from '../records/tx-context.js';
import { createHash } from 'node:crypto';
import * as os from 'node:os';
import { hashedPathOf } from './repo-layout.js';
import { downloadTarget, type Downloaded, type ExpectedFile } from './download-target.js';
import type { TargetFile } from '@tufjs/models';

export interface SyncSession {
  ctx: TxContext;
  /** The repository's base URL, ending in '/'. */
  repoUrl: string;
  rootFile: string;
  fleetDir: string;
  downloadsDir: string;
  dispatcher: Dispatcher;
  maxRate?: number;
  signal?: AbortSignal;
  /** What this sync downloaded, by SHA-256: bytes received and the offset a download resumed from. */
  transfers: Map<string, { received: number; resumedFrom: number }>;
}

/**
 * Where sync keeps a target's client state (trusted metadata, downloads, its lock): outside the target, so
 * that a refused sync leaves the target byte-identical and packs are never read from inside
 * `.servicepack/`. One directory per target path under `cacheRoot` (default $XDG_CACHE_HOME or
 * ~/.cache, then servicepack/; the systemd unit passes /var/cache/servicepack).
 */
export function fleetDirOf(target: string, cacheRoot?: string): string {
  const root = cacheRoot ?? path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'servicepack');
  const id = createHash('sha256').update(path.resolve(target)).digest('hex').slice(0, 16);
  return path.join(root, `fleet-${id}`);
}

/** `--repo` as a base URL: http(s):// and file:// as given, a plain path as file://. */
export function repoUrlOf(repo: string): string {
  let url: URL;
  try {
    url = /^[a-z][a-z0-9+.-]*:\/\//i.test(repo) ? new URL(repo) : pathToFileURL(path.resolve(repo));
  } catch {
    // new URL throws only a TypeError for a malformed URL.
    throw new ServicePackError('USAGE', `--repo ${repo} is not a URL`, { hint: 'Give http(s)://host/path, file:///path or a directory.', details: { argument: repo } });
  }
  if (!['http:', 'https:', 'file:'].includes(url.protocol)) {
    throw new ServicePackError('USAGE', `--repo ${repo}: ${url.protocol} is not supported`, { hint: 'Give http(s)://host/path, file:///path or a directory.', details: { argument: repo } });
  }
  return url.href.endsWith('/') ? url.href : `${url.href}/`;
}

/** Downloads target `t` of the repository (resuming, verified against its signed length and hash). */
export async function fetchTarget(s: SyncSession, t: TargetFile): Promise<Downloaded> {
  const expected: ExpectedFile = { length: t.length, sha256: t.hashes.sha256 ?? '' };
  const url = new URL(`targets/${hashedPathOf(t.path, expected.sha256)}`, s.repoUrl).toString();
  const d = await downloadTarget(url, expected, s.downloadsDir, { dispatcher: s.dispatcher, ...(s.maxRate === undefined ? {} : { maxRate: s.maxRate }), ...(s.signal ? { signal: s.signal } : {}), ...(s.ctx.stopRequested ? { stopRequested: s.ctx.stopRequested } : {}) });
  const seen = s.transfers.get(expected.sha256) ?? { received: 0, resumedFrom: 0 };
  s.transfers.set(expected.sha256, { received: seen.received + d.received, resumedFrom: Math.max(seen.resumedFrom, d.resumedFrom) });
  return d;
}
