// Interop with Debian's `minisign` (0.11): stock `minisign -V` verifies the manifest of a pack we
// signed, extracted with coreutils as docs/trust.md shows; keys made by `minisign -G` (plain and
// encrypted) sign packs we install; a signature `minisign -S` makes with our key verifies in our code.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import { build, installSync as install, isServicePackError } from '../src/index.js';
import { readPublicKeyFile, verifySignature } from '../src/signing/index.js';
import { sectionsOf } from './helpers/craft.js';
import { testKey } from './helpers/keys.js';
import { copyOf } from './helpers/packs.js';
import { flatNew, flatOld } from './helpers/specs.js';
import { needs } from './helpers/tools.js';
import { cleanupTempDirs, makeTree, tempDir } from './helpers/tree.js';

const fixtures = fileURLToPath(new URL('../../test/fixtures/', import.meta.url));
const extract = `
M=$(od -An -tu4 -j12 -N4 "$1" | tr -d ' ')
S=$(od -An -tu4 -j16 -N4 "$1" | tr -d ' ')
tail -c +33 "$1" | head -c "$M" | zstd -dqc > "$2"
tail -c +$((33 + M)) "$1" | head -c "$S" > "$2.minisig"
`;

/** Extracts the manifest and its .minisig with coreutils and zstd, as docs/trust.md shows. */
function extractManifest(pack: string): string {
  const manifest = join(tempDir('stock'), 'manifest.json');
  execFileSync('bash', ['-c', extract, 'extract', pack, manifest]);
  return manifest;
}

/** Runs stock `minisign -V` on an extracted manifest (its .minisig beside it). */
function stockVerify(manifest: string, pub: string): { status: number | null; out: string } {
  const r = spawnSync('minisign', ['-V', '-m', manifest, '-p', pub], { encoding: 'utf8' });
  return { status: r.status, out: r.stdout + r.stderr };
}

async function buildSigned(signWith: string, passphrase?: string): Promise<string> {
  const out = join(tempDir('interop'), 'sp.svp');
  await build({ oldDir: makeTree(flatOld), newDir: makeTree(flatNew), out, product: 'acme', fromVersion: '1.0', toVersion: '2.0', level: 3, sign: signWith, ...(passphrase === undefined ? {} : { passphrase }) });
  return out;
}

describe('minisign interop', { skip: needs('minisign') }, () => {
  after(cleanupTempDirs);

  it('stock minisign -V verifies the manifest of a pack signed with a servicepack key, and refuses an altered one', async () => {
    const pack = await buildSigned(testKey.key);
    const manifest = extractManifest(pack);
    const ok = stockVerify(manifest, testKey.pub);
    assert.equal(ok.status, 0, ok.out);
    assert.match(ok.out, /Trusted comment: servicepack pack:[0-9a-f]{64}\tproduct:"acme"\tfrom:"1.0"\tto:"2.0"/);
    const text = readFileSync(manifest, 'utf8');
    assert.ok(text.includes('"toVersion":"2.0"'));
    writeFileSync(manifest, text.replace('"toVersion":"2.0"', '"toVersion":"2.1"'));
    const bad = stockVerify(manifest, testKey.pub);
    assert.equal(bad.status, 1);
    assert.match(bad.out, /Signature verification failed/);
  });

  it('keys from minisign -G -W sign packs that install with their .pub; minisign -S with our key verifies in our code', async () => {
    const dir = tempDir('mkeys');
    execFileSync('minisign', ['-G', '-W', '-p', join(dir, 'm.pub'), '-s', join(dir, 'm.key')]);
    const pack = await buildSigned(join(dir, 'm.key'));
    const done = install(pack, { target: copyOf(makeTree(flatOld)), trustedKey: [join(dir, 'm.pub')] });
    assert.equal(done.trust.verified, true);
    assert.equal(done.trust.keyId, readFileSync(join(dir, 'm.pub'), 'utf8').match(/public key ([0-9A-F]+)/)![1]!.padStart(16, '0'));

    const file = join(dir, 'data');
    writeFileSync(file, 'signed by minisign\n');
    execFileSync('minisign', ['-S', '-s', testKey.key, '-m', file, '-t', 'from minisign'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const v = verifySignature(readFileSync(file), readFileSync(`${file}.minisig`, 'utf8'), [readPublicKeyFile(testKey.pub)], `${file}.minisig`);
    assert.deepEqual(v, { keyId: testKey.keyId, trustedComment: 'from minisign' });
  });

  it('an encrypted key from minisign -G signs with its passphrase and is refused without it', async () => {
    const key = join(fixtures, 'minisign-encrypted.key');
    const pub = join(fixtures, 'minisign-encrypted.pub');
    try {
      await buildSigned(key);
      assert.fail('built without a passphrase');
    } catch (err) {
      assert.ok(isServicePackError(err, 'KEY_PASSPHRASE'), String(err));
    }
    const pack = await buildSigned(key, 'correct horse');
    assert.equal(stockVerify(extractManifest(pack), pub).status, 0);
    assert.equal(sectionsOf(pack).signature.toString().split('\n').length, 5);
  });
});
