// Constructors for the signing errors, so messages and hints stay uniform across keys and packs.
import { ServicePackError } from '../errors/index.js';

/** KEY_INVALID: `path` is not a usable minisign key of the expected kind. */
export function keyInvalid(path: string, reason: string, cause?: unknown): ServicePackError<'KEY_INVALID'> {
  return new ServicePackError('KEY_INVALID', `Cannot use key file ${path}: ${reason}.`, {
    hint: 'Pass a public key (.pub) to --trusted-key and trust, a secret key (.key) to --sign; `servicepack keygen --out <name>` makes a pair.',
    details: { path, reason },
    ...(cause === undefined ? {} : { cause }),
  });
}

/** KEY_PASSPHRASE: the secret key is encrypted and the passphrase is missing or wrong. */
export function keyPassphrase(path: string, reason: string): ServicePackError<'KEY_PASSPHRASE'> {
  return new ServicePackError('KEY_PASSPHRASE', `Cannot decrypt secret key ${path}: ${reason}.`, {
    hint: 'Set SERVICEPACK_KEY_PASSPHRASE to the passphrase of this key.',
    details: { path, reason },
  });
}

/** SIGNATURE_INVALID: the pack's signature section is malformed or does not verify. */
export function signatureInvalid(path: string, reason: string): ServicePackError<'SIGNATURE_INVALID'> {
  return new ServicePackError('SIGNATURE_INVALID', `The signature of ${path} is not valid: ${reason}.`, {
    hint: 'The pack was damaged or altered after it was signed. Do not install it; get an intact copy from its publisher.',
    details: { path, reason },
  });
}

/** KEY_UNTRUSTED: the pack is signed, but not by any of the `trusted` key ids. */
export function keyUntrusted(path: string, keyId: string, trusted: string[]): ServicePackError<'KEY_UNTRUSTED'> {
  const which = trusted.length === 0 ? 'no key is trusted for this install' : `the trusted keys are ${trusted.join(', ')}`;
  return new ServicePackError('KEY_UNTRUSTED', `${path} is signed by key ${keyId}, but ${which}.`, {
    hint: trusted.length === 0
      ? 'Pass the publisher\'s public key with --trusted-key <name>.pub, or pin it with `servicepack trust --target <dir> --add <name>.pub`.'
      : 'The pack was not signed by a key you trust. Check where it came from; pass its publisher\'s key with --trusted-key only if you trust it.',
    details: { path, keyId, trusted },
  });
}

/** PACK_UNSIGNED: the pack carries no signature and unsigned packs are not allowed. */
export function packUnsigned(path: string): ServicePackError<'PACK_UNSIGNED'> {
  return new ServicePackError('PACK_UNSIGNED', `${path} is not signed; unsigned service packs are refused.`, {
    hint: 'Install a pack signed with `build --sign`, and pass its public key with --trusted-key. For a pack you built yourself, --allow-unsigned installs it anyway.',
    details: { path },
  });
}
