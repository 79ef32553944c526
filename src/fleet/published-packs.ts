// What a fleet repository's targets metadata says about its packs: each pack target carries, as TUF
// custom fields, the product and the versions it leads from and to, so that a client can plan a chain
// from signed metadata alone, before downloading any pack.
import type { TargetFile } from '@tufjs/models';
import { KEY_PREFIX, PACK_PREFIX } from './repo-layout.js';

export interface PublishedPack {
  /** The TUF target name (packs/<product>_<from>_<to>.svp). */
  name: string;
  product: string;
  from: string;
  to: string;
  packId: string;
  length: number;
  sha256: string;
}

export interface PackCustom {
  servicepack: { product: string; from: string; to: string; packId: string };
}

/** The packs listed in `targets` (entries without well-formed custom fields are not packs and are skipped). */
export function publishedPacks(targets: Record<string, TargetFile>): PublishedPack[] {
  const out: PublishedPack[] = [];
  for (const [name, t] of Object.entries(targets)) {
    if (!name.startsWith(PACK_PREFIX)) continue;
    const c = (t.custom as Partial<PackCustom>).servicepack;
    const sha256 = t.hashes.sha256;
    if (c === undefined || typeof c !== 'object' || sha256 === undefined) continue;
    if (![c.product, c.from, c.to, c.packId].every((s) => typeof s === 'string' && s.length > 0)) continue;
    out.push({ name, product: c.product, from: c.from, to: c.to, packId: c.packId, length: t.length, sha256 });
  }
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** The pack-signing public keys the repository lists (keys/<keyid>.pub). */
export const publishedKeys = (targets: Record<string, TargetFile>): TargetFile[] =>
  Object.entries(targets).filter(([name]) => name.startsWith(KEY_PREFIX) && name.endsWith('.pub')).map(([, t]) => t);

export const packTargetOf = (product: string, from: string, to: string): string => `${PACK_PREFIX}${product}_${from}_${to}.svp`;
