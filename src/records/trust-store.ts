// Keys pinned for a target: `.servicepack/trust/<KEYID>.pub`, each a minisign public key file, so an
// administrator can read them and `minisign -V -p` can use them. Pinned keys let later installs run
// without --trusted-key; a pack signed by any other key is refused.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { hasErrno } from '../errors/index.js';
import { writeFileAtomic, writeNewFile, makeDirs, rename, unlinkIfExists, fsyncDir, fsyncParentsOf, type Durability } from '../fs/durable.js';
import { formatPublicKey, keyIdHex, readPublicKeyFile, type PublicKey } from '../signing/index.js';
import type { Layout } from './layout.js';

export const trustDirOf = (layout: Layout): string => path.join(layout.dir, 'trust');

/** The keys pinned for the target, by key id order; KEY_INVALID for a damaged key file. */
export function readPinnedKeys(layout: Layout): PublicKey[] {
  let names: string[];
  try {
    names = fs.readdirSync(trustDirOf(layout)).filter((n) => n.endsWith('.pub')).sort();
  } catch (err) {
    if (hasErrno(err, 'ENOENT', 'ENOTDIR')) return [];
    throw err;
  }
  return names.map((n) => readPublicKeyFile(path.join(trustDirOf(layout), n)));
}

/** Pins `key` for the target (replacing a file of the same key id); returns the key id. */
export function pinKey(layout: Layout, key: PublicKey, platform: Durability): string {
  const id = keyIdHex(key.keyId);
  fsyncParentsOf(makeDirs(trustDirOf(layout)), new Set(), platform);
  writeFileAtomic(path.join(layout.dir, pinFileOf(id)), formatPublicKey(key), platform);
  return id;
}

/** The pin file of key id `id`, relative to `.servicepack/`. */
export const pinFileOf = (id: string): string => `trust/${id.toUpperCase()}.pub`;

/**
 * Install's pin, part one (in its prepare): writes `key`'s pin file into the transaction's staging
 * directory `staging` (relative to `.servicepack/`) and makes trust/ exist, both durably.
 */
export function stagePin(layout: Layout, staging: string, key: PublicKey, platform: Durability): void {
  fsyncParentsOf(makeDirs(trustDirOf(layout)), new Set(), platform);
  // Staging is the transaction's own: a new file there needs no atomic rename, only to be durable.
  writeNewFile(path.join(layout.dir, staging, 'pin.pub'), 0o644, (write) => write(Buffer.from(formatPublicKey(key))));
  fsyncDir(path.join(layout.dir, staging), platform);
}

/**
 * Part two (after the journal, before the first step): one rename moves it into trust/, so the key is
 * pinned exactly when the install commits; a rollback removes pinFileOf(id) (the journal lists it).
 */
export function placePin(layout: Layout, staging: string, id: string, platform: Durability): void {
  rename(path.join(layout.dir, staging, 'pin.pub'), path.join(layout.dir, pinFileOf(id)));
  fsyncDir(trustDirOf(layout), platform);
}

/** Removes the pin of key id `id`; false when it was not pinned. */
export function unpinKey(layout: Layout, id: string, platform: Durability): boolean {
  const file = path.join(layout.dir, pinFileOf(id));
  if (!fs.existsSync(file)) return false;
  unlinkIfExists(file);
  fsyncDir(trustDirOf(layout), platform);
  return true;
}
