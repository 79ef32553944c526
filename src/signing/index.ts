// Public API of signing: minisign-format Ed25519 keys and signatures over a pack's manifest bytes.
export { KEY_ID_BYTES, keyIdHex } from './key-id.js';
export { formatPublicKey, parsePublicKey } from './minisign-public-key.js';
export type { PublicKey } from './minisign-public-key.js';
export { formatSecretKey, parseSecretKey } from './minisign-secret-key.js';
export type { SecretKey } from './minisign-secret-key.js';
export { parseSignature, signatureKeyId, signMessage, verifySignature } from './minisign-signature.js';
export type { Signature, VerifiedSignature } from './minisign-signature.js';
export { readPublicKeyFile, readSecretKeyFile, writeKeyPair } from './key-files.js';
export type { KeyPairFiles } from './key-files.js';
export { keyUntrusted, packUnsigned, signatureInvalid } from './signing-errors.js';
export { checkPackTrust, checkSignature } from './check-pack-trust.js';
export { verifyPackFile } from './verify-pack-file.js';
export type { PackTrust, SignedPack, TrustPolicy } from './check-pack-trust.js';
