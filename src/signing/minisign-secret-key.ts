// minisign secret key files: base64 of "Ed" || kdf ("Sc" scrypt or "\0\0" none) || "B2" || salt (32) ||
// opslimit (8, LE) || memlimit (8, LE) || key id (8) || secret key (64) || checksum (32), where the
// last 104 bytes are XORed with an scrypt stream when the kdf is "Sc". We write unencrypted keys
// exactly as `minisign -G -W` does (zero salt, limits and checksum), and read both kinds.
import { scryptSync } from 'node:crypto';
import { decodeBase64Exactly } from './base64-strict.js';
import { publicKeyOfSeed } from './ed25519.js';
import { KEY_ID_BYTES } from './key-id.js';
import { SIGNATURE_ALGORITHM, type PublicKey } from './minisign-public-key.js';
import { splitKeyFile } from './minisign-text.js';
import { scryptParamsOf } from './scrypt-params.js';
import { keyInvalid, keyPassphrase } from './signing-errors.js';

const KDF_SCRYPT = 'Sc';
const KDF_NONE = '\0\0';
const CHECKSUM_ALGORITHM = 'B2';
const SECRET_BYTES = 104; // key id (8) || secret key (64) || checksum (32)
const FILE_BYTES = 6 + 32 + 8 + 8 + SECRET_BYTES;
const SECRET_OFFSET = FILE_BYTES - SECRET_BYTES;

export interface SecretKey extends PublicKey {
  /** The 32-byte Ed25519 seed (the first half of libsodium's 64-byte secret key). */
  seed: Buffer;
}

/** The text of an unencrypted `.key` file (what `minisign -G -W` writes). */
export function formatSecretKey(key: SecretKey): string {
  const bytes = Buffer.alloc(FILE_BYTES);
  bytes.write(`${SIGNATURE_ALGORITHM}${KDF_NONE}${CHECKSUM_ALGORITHM}`, 0, 'latin1');
  Buffer.concat([key.keyId, key.seed, key.publicKey]).copy(bytes, SECRET_OFFSET);
  return `untrusted comment: minisign secret key (unencrypted)\n${bytes.toString('base64')}\n`;
}

/**
 * The secret key in `text`. An encrypted key needs `passphrase` (KEY_PASSPHRASE when it is missing or
 * wrong); malformed files are KEY_INVALID. The embedded public half must match the seed.
 */
export function parseSecretKey(text: string, source: string, passphrase?: string): SecretKey {
  const [, line] = splitKeyFile(text, source);
  const bytes = decodeBase64Exactly(line, FILE_BYTES);
  if (bytes === undefined) throw keyInvalid(source, `the second line is not the base64 of a ${FILE_BYTES}-byte minisign secret key`);
  const header = bytes.subarray(0, 6).toString('latin1');
  if (header.slice(0, 2) !== SIGNATURE_ALGORITHM) throw keyInvalid(source, 'the key is not an Ed25519 minisign key');
  if (header.slice(4, 6) !== CHECKSUM_ALGORITHM) throw keyInvalid(source, 'the key uses an unknown checksum algorithm');
  const kdf = header.slice(2, 4);
  const secret = Buffer.from(bytes.subarray(SECRET_OFFSET));
  if (kdf === KDF_SCRYPT) decrypt(bytes, secret, source, passphrase);
  else if (kdf !== KDF_NONE) throw keyInvalid(source, 'the key uses an unknown key derivation function');
  const keyId = secret.subarray(0, KEY_ID_BYTES);
  const seed = secret.subarray(KEY_ID_BYTES, KEY_ID_BYTES + 32);
  const publicKey = secret.subarray(KEY_ID_BYTES + 32, KEY_ID_BYTES + 64);
  if (!publicKeyOfSeed(seed).equals(publicKey)) {
    if (kdf === KDF_SCRYPT) throw keyPassphrase(source, 'the passphrase is wrong');
    throw keyInvalid(source, 'the secret and public halves of the key do not belong together');
  }
  return { keyId, seed, publicKey };
}

function decrypt(bytes: Buffer, secret: Buffer, source: string, passphrase: string | undefined): void {
  if (passphrase === undefined) throw keyPassphrase(source, 'the key is encrypted and no passphrase was given');
  const params = scryptParamsOf(bytes.readBigUInt64LE(38), bytes.readBigUInt64LE(46));
  if (params === undefined) throw keyInvalid(source, 'its scrypt parameters exceed N = 2^20, r = 8, p = 8');
  const maxmem = 128 * params.N * params.r * (params.p + 1) + 64 * 1024 * 1024;
  const stream = scryptSync(passphrase, bytes.subarray(6, 38), SECRET_BYTES, { ...params, maxmem });
  for (let i = 0; i < SECRET_BYTES; i++) secret[i] = secret[i]! ^ stream[i]!;
}
