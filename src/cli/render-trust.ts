// Text rendering of keygen, trust, and the trust line of install and dry-run results.
import type { KeyPairFiles, PackTrust, TrustResult } from '../index.js';

export function renderKeygen(r: KeyPairFiles): string[] {
  return [
    `key ${r.keyId}: secret key ${r.secretKeyFile} (keep it private), public key ${r.publicKeyFile}`,
    `sign with: servicepack build ... --sign ${r.secretKeyFile}; install with: --trusted-key ${r.publicKeyFile}`,
  ];
}

export function renderTrust(r: TrustResult): string[] {
  return [
    ...r.added.map((k) => `pinned key ${k}`),
    ...r.removed.map((k) => `unpinned key ${k}`),
    r.keys.length === 0 ? `${r.target}: no keys pinned` : `${r.target}: ${r.keys.length} key(s) pinned`,
    ...r.keys.map((k) => `  ${k.keyId} ${k.file}`),
  ];
}

/** One line saying who signed the pack; shouted when no trusted key verified it. */
export function trustLine(t: PackTrust, pinnedKey?: string): string {
  if (!t.verified) return `WARNING: the pack was NOT verified by a trusted key (${t.unverifiedReason}); it was accepted only because of --allow-unsigned`;
  return `signature verified: key ${t.keyId}${pinnedKey === undefined ? '' : ' (now pinned for this target)'}`;
}
