// publish: copies signed packs (and the public keys that sign them) into a fleet repository's targets/
// under their hash, lists them in new targets metadata with their product and versions, and re-signs
// snapshot and timestamp. Files already published are left as they are (same name and hash).
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { TargetFile } from '@tufjs/models';
import { ServicePackError } from '../errors/index.js';
import { fsyncDir, type Durability } from '../fs/durable.js';
import { inspectPack } from '../format/index.js';
import { keyIdHex, packUnsigned, readPublicKeyFile, signatureKeyId } from '../signing/index.js';
import { KEY_PREFIX, SAFE_NAME, hashedPathOf, targetsDirOf } from './repo-layout.js';
import { readRepo, writeTargets, type SigningOptions } from './repo-state.js';
import { packTargetOf, type PackCustom } from './published-packs.js';

export interface PublishOptions extends SigningOptions {
  repo: string;
  keyDir: string;
  /** minisign public key files of the keys that sign the packs: sync trusts them for this repository's packs. */
  packKeys?: string[];
}

export interface PublishedEntry {
  name: string;
  product: string;
  from: string;
  to: string;
  length: number;
  sha256: string;
  /** False when the same file was already published. */
  added: boolean;
}

export interface PublishResult {
  repo: string;
  packs: PublishedEntry[];
  keys: string[];
  targetsVersion: number;
  timestampExpires: string;
}

export function publishPacks(packs: string[], opts: PublishOptions, platform: Durability): PublishResult {
  const state = readRepo(opts.repo);
  const targets = { ...state.targets.signed.targets };
  const entries: PublishedEntry[] = [];
  for (const pack of packs) {
    const s = inspectPack(pack, signatureKeyId);
    if (!s.signed) throw packUnsigned(pack);
    for (const label of [s.product, s.fromVersion, s.toVersion]) {
      if (!SAFE_NAME.test(label)) throw new ServicePackError('REPO_INVALID', `${pack}: "${label}" cannot name a repository file`, { hint: 'Products and versions published to a repository use letters, digits and . _ + - only.', details: { path: pack, reason: `unsafe label ${label}` } });
    }
    const name = packTargetOf(s.product, s.fromVersion, s.toVersion);
    const custom: PackCustom = { servicepack: { product: s.product, from: s.fromVersion, to: s.toVersion, packId: s.packId } };
    const { sha256, length } = placeFile(opts.repo, name, pack, platform);
    const added = targets[name]?.hashes.sha256 !== sha256;
    targets[name] = new TargetFile({ path: name, length, hashes: { sha256 }, unrecognizedFields: { custom: custom as never } });
    entries.push({ name, product: s.product, from: s.fromVersion, to: s.toVersion, length, sha256, added });
  }
  const keys: string[] = [];
  for (const file of opts.packKeys ?? []) {
    const name = `${KEY_PREFIX}${keyIdHex(readPublicKeyFile(file).keyId)}.pub`;
    const { sha256, length } = placeFile(opts.repo, name, file, platform);
    targets[name] = new TargetFile({ path: name, length, hashes: { sha256 } });
    keys.push(name);
  }
  const next = writeTargets(opts.repo, opts.keyDir, state, targets, platform, opts);
  return { repo: opts.repo, packs: entries, keys, targetsVersion: next.targets.signed.version, timestampExpires: next.timestamp.signed.expires };
}

/** Copies `file` to targets/<dir>/<sha256>.<base> (whole or not at all); returns its hash and length. */
export function placeFile(repo: string, name: string, file: string, platform: Durability): { sha256: string; length: number } {
  const bytes = fs.readFileSync(file);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const dest = path.join(targetsDirOf(repo), hashedPathOf(name, sha256));
  fs.mkdirSync(path.dirname(dest), { recursive: true });
  if (!fs.existsSync(dest)) {
    const tmp = `${dest}.tmp-${process.pid}`;
    fs.writeFileSync(tmp, bytes, { mode: 0o644 });
    fs.renameSync(tmp, dest);
    fsyncDir(path.dirname(dest), platform);
  }
  return { sha256, length: bytes.length };
}
