// repo init: a new fleet repository with a key per role, a root signed by the root key, and empty
// targets, snapshot and timestamp. The root is also written to <keys>/root.json: it is what each
// installation is given (`sync --root`) as its first trusted root.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Metadata, Root } from '@tufjs/models';
import { ServicePackError, hasErrno } from '../errors/index.js';
import { writeFileAtomic, type Durability } from '../fs/durable.js';
import { metadataDirOf, targetsDirOf } from './repo-layout.js';
import { EXPIRY_DAYS, SPEC_VERSION, expiryAfter, metadataBytes, writeTargets, type SigningOptions } from './repo-state.js';
import { createRoleKeys, signerOf } from './role-keys.js';

export interface RepoInitResult {
  repo: string;
  keyDir: string;
  /** The file to give every installation as `sync --root`. */
  rootFile: string;
  keyIds: Record<string, string>;
}

export function initRepo(repo: string, keyDir: string, platform: Durability, opts: SigningOptions = {}): RepoInitResult {
  const metadataDir = metadataDirOf(repo);
  try {
    fs.mkdirSync(repo, { recursive: true });
    fs.mkdirSync(metadataDir);
  } catch (err) {
    if (!hasErrno(err, 'EEXIST')) throw err;
    throw new ServicePackError('REPO_INVALID', `${metadataDir} exists`, {
      hint: 'repo init makes a new repository; to change an existing one use publish, channel or repo timestamp.',
      details: { path: metadataDir, reason: 'already a repository' },
    });
  }
  fs.mkdirSync(targetsDirOf(repo), { recursive: true });
  const keys = createRoleKeys(keyDir);
  const now = opts.now ?? new Date();
  const root = new Metadata(new Root({ version: 1, specVersion: SPEC_VERSION, expires: expiryAfter(now, EXPIRY_DAYS.root), consistentSnapshot: true }));
  for (const k of keys) root.signed.addKey(k.key, k.role);
  root.sign(signerOf(keys[0]!));
  const rootBytes = metadataBytes(root);
  writeFileAtomic(path.join(metadataDir, '1.root.json'), rootBytes, platform);
  const rootFile = path.join(keyDir, 'root.json');
  writeFileAtomic(rootFile, rootBytes, platform);
  writeTargets(repo, keyDir, { root }, {}, platform, opts);
  return { repo, keyDir, rootFile, keyIds: Object.fromEntries(keys.map((k) => [k.role, k.key.keyID])) };
}
