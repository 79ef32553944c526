// Signs a manifest: the pack's signature section is the minisign `.minisig` text over the canonical
// manifest bytes, with a trusted comment naming the pack id, product and versions.
import { sha256Hex } from '../format/hash.js';
import type { Manifest } from '../format/manifest.js';
import { encodeManifest } from '../format/manifest-codec.js';
import { signMessage, type SecretKey } from '../signing/index.js';

/** Longest trusted comment written; longer labels fall back to the pack id alone. */
const MAX_TRUSTED_COMMENT = 1024;

/** The signature section for `manifest` signed by `key`. */
export function signManifest(manifest: Manifest, key: SecretKey): Buffer {
  const bytes = encodeManifest(manifest);
  const packId = sha256Hex(bytes);
  // JSON string escapes keep labels with control characters on one line.
  let comment = `servicepack pack:${packId}\tproduct:${JSON.stringify(manifest.product)}\tfrom:${JSON.stringify(manifest.fromVersion)}\tto:${JSON.stringify(manifest.toVersion)}`;
  if (manifest.expires !== undefined) comment += `\texpires:${manifest.expires}`;
  if (Buffer.byteLength(comment) > MAX_TRUSTED_COMMENT || /[\u2028\u2029\u0085]/.test(comment)) comment = `servicepack pack:${packId}`;
  return Buffer.from(signMessage(key, bytes, comment), 'utf8');
}
