// Ed25519 through node:crypto, on the raw byte forms minisign stores: a 32-byte seed (the secret half
// of libsodium's 64-byte secret key) and a 32-byte public key.
import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';

// DER prefixes of PKCS#8 and SPKI for Ed25519 (RFC 8410); the raw key follows each.
const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

/** A fresh key pair as raw bytes. */
export function generateRawKeyPair(): { seed: Buffer; publicKey: Buffer } {
  const { privateKey } = generateKeyPairSync('ed25519');
  const jwk = privateKey.export({ format: 'jwk' });
  return { seed: Buffer.from(jwk.d!, 'base64url'), publicKey: Buffer.from(jwk.x!, 'base64url') };
}

export function privateKeyOf(seed: Uint8Array): KeyObject {
  return createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, seed]), format: 'der', type: 'pkcs8' });
}

export function publicKeyOf(raw: Uint8Array): KeyObject {
  return createPublicKey({ key: Buffer.concat([SPKI_PREFIX, raw]), format: 'der', type: 'spki' });
}

/** The raw public key that belongs to `seed`. */
export function publicKeyOfSeed(seed: Uint8Array): Buffer {
  return Buffer.from(createPublicKey(privateKeyOf(seed)).export({ format: 'jwk' }).x!, 'base64url');
}

export function signRaw(seed: Uint8Array, message: Uint8Array): Buffer {
  return sign(null, message, privateKeyOf(seed));
}

/** True when `signature` is a valid Ed25519 signature of `message` by `publicKey`; never throws on bad bytes. */
export function verifyRaw(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  if (publicKey.length !== 32 || signature.length !== 64) return false;
  try {
    return verify(null, message, publicKeyOf(publicKey), signature);
  } catch {
    // An invalid point encoding is rejected by OpenSSL with an error: it is simply not a valid signature.
    return false;
  }
}
