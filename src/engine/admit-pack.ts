// The gate every install passes before it reads a payload byte or takes the lock: who signed the pack
// (against the keys given for this install plus the keys pinned for the target), and its expiry.
import type { PackReader } from '../format/pack-reader.js';
import { checkPackTrust, keyIdHex, readPublicKeyFile, type PackTrust, type PublicKey } from '../signing/index.js';
import { readPinnedKeys } from '../records/trust-store.js';
import type { TxContext } from '../records/tx-context.js';

/** How an install decides whether to trust a pack and whether to allow going back in version. */
export interface TrustOptions {
  /** Public key files (minisign `.pub`) trusted for this install, besides the keys pinned for the target. */
  trustedKeys?: readonly string[];
  /** Install a pack no trusted key verifies; reported as a warning event and in the result. */
  allowUnsigned?: boolean;
  /** Install a pack whose version is not newer than its base. */
  allowDowngrade?: boolean;
  /** The time the pack's expiry is judged against (default: now). */
  now?: Date;
}

/** The trust decision, plus the key to pin when the target had none pinned yet. */
export interface Admission {
  trust: PackTrust;
  keyToPin: PublicKey | undefined;
}

/** Checks the pack against the trust options; throws the errors of checkPackTrust and KEY_INVALID. */
export function admitPack(ctx: TxContext, reader: PackReader, options: TrustOptions): Admission {
  const pinned = readPinnedKeys(ctx.layout);
  const given = (options.trustedKeys ?? []).map(readPublicKeyFile);
  const trust = checkPackTrust(reader, {
    trustedKeys: [...pinned, ...given],
    allowUnsigned: options.allowUnsigned === true,
    ...(options.now === undefined ? {} : { now: options.now }),
  });
  if (!trust.verified) {
    ctx.emit({ type: 'warning', code: 'PACK_UNVERIFIED', message: `installing a pack no trusted key verified (${trust.unverifiedReason}), because unsigned packs were explicitly allowed` });
  }
  const keyToPin = trust.verified && pinned.length === 0 ? given.find((k) => keyIdHex(k.keyId) === trust.keyId) : undefined;
  return { trust, keyToPin };
}
