// minisign signatures (the `.minisig` text): untrusted comment; base64 of "ED" || key id (8) ||
// Ed25519 signature of BLAKE2b-512(message) (64); "trusted comment: <text>"; base64 of the global
// signature over signature (64) || trusted comment text. A pack's signature section holds exactly
// this text, so `minisign -V` verifies the manifest bytes with it.
import { createHash } from 'node:crypto';
import { decodeBase64Exactly } from './base64-strict.js';
import { signRaw, verifyRaw } from './ed25519.js';
import { KEY_ID_BYTES, keyIdHex } from './key-id.js';
import type { PublicKey } from './minisign-public-key.js';
import type { SecretKey } from './minisign-secret-key.js';
import { TRUSTED_PREFIX, UNTRUSTED_PREFIX } from './minisign-text.js';
import { keyUntrusted, signatureInvalid } from './signing-errors.js';

/** Prehashed Ed25519 (minisign's default since 0.8; the legacy "Ed" form is refused as minisign 0.11 does). */
const PREHASHED = 'ED';
const LEGACY = 'Ed';
const SIG_BYTES = 2 + KEY_ID_BYTES + 64;

/** A parsed signature. */
export interface Signature {
  keyId: Buffer;
  signature: Buffer;
  trustedComment: string;
  globalSignature: Buffer;
}

/** What a successful verification established. */
export interface VerifiedSignature {
  keyId: string;
  trustedComment: string;
}

const prehash = (message: Uint8Array): Buffer => createHash('blake2b512').update(message).digest();

/** The `.minisig` text signing `message` with `key`; `trustedComment` must be one line. */
export function signMessage(key: SecretKey, message: Uint8Array, trustedComment: string): string {
  if (/[\r\n]/.test(trustedComment)) throw new Error('a trusted comment must be a single line');
  const signature = signRaw(key.seed, prehash(message));
  const global = signRaw(key.seed, Buffer.concat([signature, Buffer.from(trustedComment, 'utf8')]));
  const sig = Buffer.concat([Buffer.from(PREHASHED, 'latin1'), key.keyId, signature]).toString('base64');
  return `${UNTRUSTED_PREFIX}signature from servicepack secret key ${keyIdHex(key.keyId)}\n${sig}\n${TRUSTED_PREFIX}${trustedComment}\n${global.toString('base64')}\n`;
}

/** Parses `.minisig` text; SIGNATURE_INVALID naming `source` when its structure is wrong. */
export function parseSignature(text: string, source: string): Signature {
  const fail = (reason: string): never => {
    throw signatureInvalid(source, reason);
  };
  const lines = text.split('\n').map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
  if (lines.length < 4 || lines.slice(4).some((l) => l !== '')) fail('it is not four lines of minisign signature text');
  const [untrusted, sigLine, trusted, globalLine] = lines as [string, string, string, string];
  if (!untrusted.startsWith(UNTRUSTED_PREFIX)) fail(`the first line does not start with "${UNTRUSTED_PREFIX}"`);
  if (!trusted.startsWith(TRUSTED_PREFIX)) fail(`the third line does not start with "${TRUSTED_PREFIX}"`);
  const sig = decodeBase64Exactly(sigLine, SIG_BYTES) ?? fail('the second line is not the base64 of a 74-byte signature');
  const globalSignature = decodeBase64Exactly(globalLine, 64) ?? fail('the fourth line is not the base64 of a 64-byte signature');
  const algorithm = sig.subarray(0, 2).toString('latin1');
  if (algorithm === LEGACY) fail('it is a legacy (not prehashed) minisign signature');
  if (algorithm !== PREHASHED) fail('it uses an unknown signature algorithm');
  return {
    keyId: sig.subarray(2, 2 + KEY_ID_BYTES),
    signature: sig.subarray(2 + KEY_ID_BYTES),
    trustedComment: trusted.slice(TRUSTED_PREFIX.length),
    globalSignature,
  };
}

/**
 * Verifies `text` over `message` with the trusted key of the same key id: KEY_UNTRUSTED when no
 * trusted key has that id, SIGNATURE_INVALID when the structure, the signature or the trusted comment's
 * signature is wrong.
 */
export function verifySignature(message: Uint8Array, text: string, trusted: readonly PublicKey[], source: string): VerifiedSignature {
  const sig = parseSignature(text, source);
  const keyId = keyIdHex(sig.keyId);
  const key = trusted.find((k) => k.keyId.equals(sig.keyId));
  if (key === undefined) throw keyUntrusted(source, keyId, trusted.map((k) => keyIdHex(k.keyId)));
  if (!verifyRaw(key.publicKey, prehash(message), sig.signature)) {
    throw signatureInvalid(source, `the manifest does not match the signature of key ${keyId}`);
  }
  if (!verifyRaw(key.publicKey, Buffer.concat([sig.signature, Buffer.from(sig.trustedComment, 'utf8')]), sig.globalSignature)) {
    throw signatureInvalid(source, 'the trusted comment does not match its signature');
  }
  return { keyId, trustedComment: sig.trustedComment };
}

/** The id of the key that made a signature section, as minisign prints it; SIGNATURE_INVALID if malformed. */
export function signatureKeyId(signature: Buffer, source: string): string {
  return keyIdHex(parseSignature(signature.toString('utf8'), source).keyId);
}
