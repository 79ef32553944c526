// minisign public key files: an untrusted comment line, then base64 of "Ed" || key id (8) || Ed25519
// public key (32). `minisign -V -p <file>` reads exactly what formatPublicKey writes.
import { decodeBase64Exactly } from './base64-strict.js';
import { KEY_ID_BYTES, keyIdHex } from './key-id.js';
import { splitKeyFile } from './minisign-text.js';
import { keyInvalid } from './signing-errors.js';

export const SIGNATURE_ALGORITHM = 'Ed';

export interface PublicKey {
  keyId: Buffer;
  /** Raw 32-byte Ed25519 public key. */
  publicKey: Buffer;
}

/** The text of a `.pub` file. */
export function formatPublicKey(key: PublicKey): string {
  const body = Buffer.concat([Buffer.from(SIGNATURE_ALGORITHM), key.keyId, key.publicKey]).toString('base64');
  return `untrusted comment: minisign public key ${keyIdHex(key.keyId)}\n${body}\n`;
}

/** The public key in `text` (a `.pub` file's content); KEY_INVALID naming `source` otherwise. */
export function parsePublicKey(text: string, source: string): PublicKey {
  const [, line] = splitKeyFile(text, source);
  const bytes = decodeBase64Exactly(line, 2 + KEY_ID_BYTES + 32);
  if (bytes === undefined) throw keyInvalid(source, 'the second line is not the base64 of a 42-byte minisign public key');
  if (bytes.subarray(0, 2).toString('latin1') !== SIGNATURE_ALGORITHM) throw keyInvalid(source, 'the key is not an Ed25519 minisign key');
  return { keyId: bytes.subarray(2, 2 + KEY_ID_BYTES), publicKey: bytes.subarray(2 + KEY_ID_BYTES) };
}
