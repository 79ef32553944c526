// A signing key pair made once per test process (removed when it exits), and the install options
// that trust it: tests that are not about trust build signed packs and pass `trusted`.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { keygenSync as keygen } from '../../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'servicepack-keys-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

/** The per-run test key: `key` (secret) and `pub` files. */
export const testKey = (() => {
  const k = keygen({ out: join(dir, 'test') });
  return { key: k.secretKeyFile, pub: k.publicKeyFile, keyId: k.keyId };
})();

/** Install options trusting the test key. */
export const trusted = { trustedKey: [testKey.pub] };

/** A second, untrusted key pair, for wrong-key tests. */
export function otherKey(): { key: string; pub: string; keyId: string } {
  const k = keygen({ out: join(dir, `other-${Math.random().toString(36).slice(2)}`) });
  return { key: k.secretKeyFile, pub: k.publicKeyFile, keyId: k.keyId };
}
