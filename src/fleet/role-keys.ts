// The four TUF role keys of a fleet repository (root, targets, snapshot, timestamp): Ed25519 keys kept
// as PKCS#8 PEM files in the key directory, described to TUF as hex public keys, signing canonical JSON.
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { canonicalize } from '@tufjs/canonical-json';
import { Key, Signature } from '@tufjs/models';
import { ServicePackError, hasErrno } from '../errors/index.js';

export const ROLES = ['root', 'targets', 'snapshot', 'timestamp'] as const;
export type RoleName = (typeof ROLES)[number];

export interface RoleKey {
  role: RoleName;
  key: Key;
  privateKey: KeyObject;
}

/** The TUF description of an Ed25519 public key, with its id (sha256 of its canonical JSON). */
export function tufKeyOf(publicKey: KeyObject): Key {
  // The SPKI DER of an Ed25519 key ends with the 32 raw key bytes.
  const raw = publicKey.export({ format: 'der', type: 'spki' }).subarray(-32);
  const keyVal = { public: raw.toString('hex') };
  const body = { keytype: 'ed25519', scheme: 'ed25519', keyval: keyVal };
  const keyID = createHash('sha256').update(canonicalize(body)).digest('hex');
  return new Key({ keyID, keyType: 'ed25519', scheme: 'ed25519', keyVal: keyVal });
}

export const keyFileOf = (keyDir: string, role: RoleName): string => path.join(keyDir, `${role}.key`);

/** Makes a new key for each role in `keyDir` (created 0700); refuses to overwrite an existing one. */
export function createRoleKeys(keyDir: string): RoleKey[] {
  fs.mkdirSync(keyDir, { recursive: true, mode: 0o700 });
  return ROLES.map((role) => {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const pem = privateKey.export({ format: 'pem', type: 'pkcs8' });
    try {
      fs.writeFileSync(keyFileOf(keyDir, role), pem, { mode: 0o600, flag: 'wx' });
    } catch (err) {
      if (!hasErrno(err, 'EEXIST')) throw err;
      throw new ServicePackError('REPO_INVALID', `${keyFileOf(keyDir, role)} exists`, {
        hint: 'Give repo init a new, empty key directory: role keys are never overwritten.',
        details: { path: keyFileOf(keyDir, role), reason: 'key exists' },
      });
    }
    return { role, key: tufKeyOf(publicKey), privateKey };
  });
}

/** Loads one role's key from `keyDir`; REPO_INVALID when it is missing or not an Ed25519 key. */
export function loadRoleKey(keyDir: string, role: RoleName): RoleKey {
  const file = keyFileOf(keyDir, role);
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(fs.readFileSync(file));
  } catch (err) {
    if (!hasErrno(err, 'ENOENT', 'EACCES') && !(err instanceof Error && /key|decoder|PEM/i.test(err.message))) throw err;
    throw new ServicePackError('REPO_INVALID', `cannot read the ${role} key ${file}`, {
      hint: `The key directory must hold the ${role}.key that repo init wrote (root.key may stay offline until the root is re-signed).`,
      details: { path: file, reason: err instanceof Error ? err.message : String(err) },
    });
  }
  if (privateKey.asymmetricKeyType !== 'ed25519') {
    throw new ServicePackError('REPO_INVALID', `${file} is not an Ed25519 key`, { hint: 'Use the keys repo init wrote.', details: { path: file, reason: `key type ${privateKey.asymmetricKeyType}` } });
  }
  return { role, key: tufKeyOf(createPublicKey(privateKey)), privateKey };
}

/** A signer for Metadata.sign: Ed25519 over the canonical bytes it is given. */
export function signerOf(k: RoleKey): (data: Buffer) => Signature {
  return (data) => new Signature({ keyID: k.key.keyID, sig: sign(null, data, k.privateKey).toString('hex') });
}
