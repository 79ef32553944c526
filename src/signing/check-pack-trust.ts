// The trust decision for one opened pack, made before any payload byte is used: signature against the
// trusted keys (unsigned and unknown-key packs refused unless explicitly allowed), then the signed expiry.
import { ServicePackError } from '../errors/index.js';
import type { Manifest } from '../format/manifest.js';
import type { PublicKey } from './minisign-public-key.js';
import { parseSignature, verifySignature } from './minisign-signature.js';
import { keyIdHex } from './key-id.js';
import { keyUntrusted, packUnsigned } from './signing-errors.js';

export interface TrustPolicy {
  trustedKeys: readonly PublicKey[];
  /** Accept a pack that no trusted key verifies (unsigned, or signed by an unknown key). */
  allowUnsigned: boolean;
  /** The time expiry is judged against; defaults to now. */
  now?: Date;
}

/** What was established about a pack's origin. */
export interface PackTrust {
  signed: boolean;
  /** True when a trusted key verified the signature. */
  verified: boolean;
  /** The signing key's id, when the pack is signed. */
  keyId?: string;
  /** Set when the pack was accepted only because unsigned packs were explicitly allowed. */
  unverifiedReason?: string;
}

/** The parts of an opened pack the decision reads. */
export interface SignedPack {
  path: string;
  manifest: Manifest;
  manifestBytes: Buffer;
  signature: Buffer;
}

/**
 * Decides whether `pack` may be installed under `policy`: PACK_UNSIGNED, KEY_UNTRUSTED,
 * SIGNATURE_INVALID (a signature that is checked and fails is refused even when unsigned packs are
 * allowed) or PACK_EXPIRED.
 */
export function checkPackTrust(pack: SignedPack, policy: TrustPolicy): PackTrust {
  const trust = checkSignature(pack, policy);
  const { expires } = pack.manifest;
  const now = policy.now ?? new Date();
  if (expires !== undefined && now.getTime() >= Date.parse(expires)) {
    throw new ServicePackError('PACK_EXPIRED', `${pack.path} expired at ${expires}`, {
      hint: 'Get the current service pack from its publisher; check the system clock if the date looks wrong.',
      details: { path: pack.path, expires, now: now.toISOString() },
    });
  }
  return trust;
}

/** The signature part of checkPackTrust alone (no expiry): what `inspect --trusted-key` checks. */
export function checkSignature(pack: SignedPack, policy: TrustPolicy): PackTrust {
  if (pack.signature.length === 0) {
    if (!policy.allowUnsigned) throw packUnsigned(pack.path);
    return { signed: false, verified: false, unverifiedReason: 'the pack is not signed' };
  }
  const text = pack.signature.toString('utf8');
  const keyId = keyIdHex(parseSignature(text, pack.path).keyId);
  const known = policy.trustedKeys.some((k) => keyIdHex(k.keyId) === keyId);
  if (!known) {
    if (!policy.allowUnsigned) throw keyUntrusted(pack.path, keyId, policy.trustedKeys.map((k) => keyIdHex(k.keyId)));
    return { signed: true, verified: false, keyId, unverifiedReason: `no trusted key has the signing key's id ${keyId}` };
  }
  verifySignature(pack.manifestBytes, text, policy.trustedKeys, pack.path);
  return { signed: true, verified: true, keyId };
}
