// The trust commands as users run them: keygen, build --sign, install refusing unsigned and untrusted
// packs, --allow-unsigned reported loudly, and keys pinned by the first install and by `trust`.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { copyOf } from './helpers/packs.js';
import { flatNew, flatOld } from './helpers/specs.js';
import { cleanupTempDirs, makeTree, tempDir } from './helpers/tree.js';
import { CLI_PATH } from './helpers/cli-path.js';

const main = CLI_PATH;
const cli = (...args: string[]) => spawnSync(process.execPath, [main, ...args], { encoding: 'utf8' });
const resultOf = (stdout: string): Record<string, any> => JSON.parse(stdout.trim().split('\n').at(-1)!) as Record<string, any>;

describe('trust on the command line', () => {
  after(cleanupTempDirs);
  const dir = tempDir('trust-cli');
  const oldDir = makeTree(flatOld);
  const newDir = makeTree(flatNew);
  const labels = ['--product', 'acme', '--from-version', '1.0', '--to-version', '2.0', '--level', '3'];

  it('keygen writes a 0600 secret key and a minisign public key; build --sign signs with it', () => {
    const k = cli('keygen', '--out', join(dir, 'vendor'), '--json');
    assert.equal(k.status, 0, k.stderr);
    const key = resultOf(k.stdout).result;
    assert.equal(statSync(key.secretKeyFile).mode & 0o777, 0o600);
    assert.equal(readFileSync(key.publicKeyFile, 'utf8').split('\n')[0], `untrusted comment: minisign public key ${key.keyId}`);
    assert.equal(cli('keygen', '--out', join(dir, 'vendor')).status, 1, 'keygen never replaces a key');
    const b = cli('build', oldDir, newDir, '--out', join(dir, 'signed.svp'), ...labels, '--sign', key.secretKeyFile, '--expires', '2099-12-31');
    assert.equal(b.status, 0, b.stderr);
    assert.match(b.stdout, new RegExp(`signed with key ${key.keyId}, expires 2099-12-31T23:59:59Z`));
    const shown = cli('inspect', join(dir, 'signed.svp'), '--json');
    assert.deepEqual([resultOf(shown.stdout).result.signed, resultOf(shown.stdout).result.keyId], [true, key.keyId]);
    assert.match(cli('inspect', join(dir, 'signed.svp')).stdout, new RegExp(`^acme 1\\.0 -> 2\\.0 \\(format 3, signed by key ${key.keyId}, [\\d.]+ (B|KiB)\\)$`, 'm'));
    assert.equal(cli('build', oldDir, newDir, '--out', join(dir, 'x.svp'), ...labels, '--expires', 'soon').status, 2);
  });

  it('install refuses an untrusted key and an unsigned pack, and --allow-unsigned says so loudly', () => {
    const target = copyOf(oldDir);
    const untrusted = cli('install', join(dir, 'signed.svp'), '--target', target);
    assert.equal(untrusted.status, 1);
    assert.match(untrusted.stderr, /error KEY_UNTRUSTED: .* is signed by key [0-9A-F]{16}, but no key is trusted for this install\./);
    assert.equal(cli('build', oldDir, newDir, '--out', join(dir, 'unsigned.svp'), ...labels).status, 0);
    assert.match(cli('install', join(dir, 'unsigned.svp'), '--target', target).stderr, /error PACK_UNSIGNED/);
    const allowed = cli('install', join(dir, 'unsigned.svp'), '--target', target, '--allow-unsigned');
    assert.equal(allowed.status, 0, allowed.stderr);
    assert.match(allowed.stderr, /^warning PACK_UNVERIFIED: installing a pack no trusted key verified \(the pack is not signed\)/m);
    assert.match(allowed.stdout, /^WARNING: the pack was NOT verified by a trusted key/m);
  });

  it('the first verified install pins its key; trust lists, adds and removes keys', () => {
    const target = copyOf(oldDir);
    const pub = join(dir, 'vendor.pub');
    const keyId = readFileSync(pub, 'utf8').match(/public key ([0-9A-F]{16})/)![1]!;
    const first = cli('install', join(dir, 'signed.svp'), '--target', target, '--trusted-key', pub, '--json');
    assert.equal(first.status, 0, first.stderr);
    assert.deepEqual([resultOf(first.stdout).result.trust.verified, resultOf(first.stdout).result.pinnedKey], [true, keyId]);
    const list = resultOf(cli('trust', '--target', target, '--json').stdout).result;
    assert.deepEqual(list.keys.map((k: { keyId: string }) => k.keyId), [keyId]);
    assert.equal(readFileSync(list.keys[0].file, 'utf8'), readFileSync(pub, 'utf8'));
    const other = resultOf(cli('keygen', '--out', join(dir, 'other'), '--json').stdout).result;
    const added = resultOf(cli('trust', '--target', target, '--add', other.publicKeyFile, '--remove', keyId, '--json').stdout).result;
    assert.deepEqual([added.added, added.removed, added.keys.map((k: { keyId: string }) => k.keyId)], [[other.keyId], [keyId], [other.keyId]]);
    assert.equal(cli('trust', '--target', target, '--add', join(dir, 'vendor.key')).status, 1, 'a secret key is not a public key');
  });
});
