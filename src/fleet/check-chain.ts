// The dry run of a whole chain before the target is touched: the first link is planned against the
// target by the installer itself (base hashes, space, signature, trust); each later link, which applies
// to a version the target is not at yet, is opened and checked: its manifest says what the signed
// metadata says, and it is signed by a key the repository lists or the target pins.
import { ServicePackError } from '../errors/index.js';
import { inspectPack } from '../format/index.js';
import { planInstallOnly, type InstallPlan } from '../operations/install.js';
import { keyUntrusted, packUnsigned, signatureKeyId } from '../signing/index.js';
import type { SyncSession } from './sync-session.js';
import type { PublishedPack } from './published-packs.js';

export interface ChainLinkFile {
  pack: PublishedPack;
  file: string;
}

export function checkChain(s: SyncSession, links: ChainLinkFile[], trustedKeys: string[], trustedKeyIds: string[], firstPlan?: InstallPlan): InstallPlan {
  const plan = firstPlan ?? planInstallOnly(s.ctx, links[0]!.file, { trustedKeys });
  for (const { pack, file } of links.slice(1)) {
    const summary = inspectPack(file, signatureKeyId);
    if (summary.product !== pack.product || summary.fromVersion !== pack.from || summary.toVersion !== pack.to) {
      const reason = `${pack.name} holds ${summary.product} ${summary.fromVersion} -> ${summary.toVersion}`;
      throw new ServicePackError('METADATA_INVALID', `the signed metadata and the pack disagree: ${reason}`, {
        hint: 'The publisher listed a pack under the wrong versions; republish it. The target was not changed.',
        details: { url: pack.name, reason },
      });
    }
    if (!summary.signed || summary.keyId === undefined) throw packUnsigned(file);
    if (!trustedKeyIds.includes(summary.keyId)) throw keyUntrusted(file, summary.keyId, trustedKeyIds);
  }
  return plan;
}
