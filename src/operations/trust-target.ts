// `servicepack trust`: list, pin or unpin the keys trusted for a target, under the target lock.
import * as path from 'node:path';
import { keyIdHex, readPublicKeyFile } from '../signing/index.js';
import { requireTarget } from '../engine/require-target.js';
import { checkStateDir, refuseInsideStateDir } from '../records/state-dir.js';
import { pinKey, readPinnedKeys, trustDirOf, unpinKey } from '../records/trust-store.js';
import type { TxContext } from '../records/tx-context.js';
import { withTargetLock } from '../engine/with-target-lock.js';

export interface TrustChanges {
  /** Public key files to pin. */
  add?: readonly string[];
  /** Key ids to unpin. */
  remove?: readonly string[];
}

export interface TrustResult {
  target: string;
  /** Every key pinned after the changes, with its file under .servicepack/trust/. */
  keys: { keyId: string; file: string }[];
  added: string[];
  /** Key ids that were pinned and are not any more; ids that were not pinned are left out. */
  removed: string[];
}

/** Applies `changes` (none: only lists); KEY_INVALID for an unusable key file, before anything changes. */
export function trustTarget(ctx: TxContext, changes: TrustChanges): TrustResult {
  requireTarget(ctx.layout.target);
  checkStateDir(ctx);
  for (const file of changes.add ?? []) refuseInsideStateDir(ctx.layout, file);
  const toAdd = (changes.add ?? []).map(readPublicKeyFile);
  const mutate = toAdd.length > 0 || (changes.remove ?? []).length > 0;
  const apply = (): TrustResult => {
    const added = toAdd.map((k) => pinKey(ctx.layout, k, ctx.platform));
    const removed = (changes.remove ?? []).filter((id) => unpinKey(ctx.layout, id, ctx.platform)).map((id) => id.toUpperCase());
    const keys = readPinnedKeys(ctx.layout).map((k) => {
      const keyId = keyIdHex(k.keyId);
      return { keyId, file: path.join(trustDirOf(ctx.layout), `${keyId}.pub`) };
    });
    return { target: ctx.layout.target, keys, added, removed };
  };
  return mutate ? withTargetLock(ctx, true, apply) : apply();
}
