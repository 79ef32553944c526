// `servicepack inspect` shows in text what matters before installing: the signer, the expiry and the
// commands the installer will run; with --trusted-key it checks the signature without a target.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { otherKey, testKey } from './helpers/keys.js';
import { flatNew, flatOld } from './helpers/specs.js';
import { cleanupTempDirs, makeTree, tempDir } from './helpers/tree.js';
import { CLI_PATH } from './helpers/cli-path.js';

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, [CLI_PATH, ...args], { encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
const lastJson = (stdout: string) => JSON.parse(stdout.trim().split('\n').at(-1)!) as Record<string, any>;
const labels = ['--product', 'acme', '--from-version', '1.0', '--to-version', '2.0', '--level', '3'];

describe('cli inspect', () => {
  after(cleanupTempDirs);
  const oldDir = makeTree(flatOld);
  const newDir = makeTree(flatNew);
  const dir = tempDir('inspect');
  const hooked = join(dir, 'hooked.svp');
  const unsigned = join(dir, 'unsigned.svp');
  const built = cli('build', oldDir, newDir, '--out', hooked, ...labels, '--sign', testKey.key, '--expires', '2099-12-31',
    '--pre-hook', 'systemctl stop acme', '--post-hook', '["/opt/acme/bin/ctl","start","--fast"]');
  assert.equal(built.status, 0, built.stderr);
  assert.equal(cli('build', oldDir, newDir, '--out', unsigned, ...labels).status, 0);

  it('shows signer, expiry and hooks in text, and the files only with -v', () => {
    const r = cli('inspect', hooked);
    assert.equal(r.status, 0, r.stderr);
    const lines = r.stdout.trimEnd().split('\n');
    assert.match(lines[0]!, new RegExp(`^acme 1\\.0 -> 2\\.0 \\(format \\d+, signed by key ${testKey.keyId}, [\\d.]+ (B|KiB)\\)$`));
    assert.deepEqual(lines.slice(2), [
      'expires: 2099-12-31T23:59:59Z',
      'hooks (run by the installer in the target directory, with its privileges):',
      '  pre:  ["systemctl","stop","acme"]',
      '  post: ["/opt/acme/bin/ctl","start","--fast"]',
      '4 changed, 3 added, 2 removed, 4 unchanged (-v lists them)',
    ]);
    const v = cli('inspect', hooked, '-v').stdout.split('\n');
    assert.ok(v.some((l) => /^ {2}change file {4}bin\/tool \(16 bytes, stored \d+ \(zstd\), [\d.]+%\)$/.test(l)), v.join('\n'));
    assert.equal(v.filter((l) => /^ {2}(add|change|remove) /.test(l)).length, 9);
    const plain = cli('inspect', unsigned).stdout.split('\n');
    assert.deepEqual([plain[2], plain[3]], ['expires: never', 'hooks: none']);
  });

  it('--trusted-key verifies the signature without a target, like minisign -V', () => {
    const ok = cli('inspect', hooked, '--trusted-key', testKey.pub);
    assert.equal(ok.status, 0, ok.stderr);
    assert.equal(ok.stdout.split('\n')[2], `signature: verified by trusted key ${testKey.keyId}`);
    const j = lastJson(cli('inspect', hooked, '--trusted-key', testKey.pub, '--json').stdout);
    assert.deepEqual(j.result.trust, { signed: true, verified: true, keyId: testKey.keyId });

    const wrong = otherKey();
    const bad = cli('inspect', hooked, '--trusted-key', wrong.pub);
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /^servicepack inspect: error KEY_UNTRUSTED: /);
    assert.equal(bad.stdout, '');
    assert.equal(lastJson(cli('inspect', unsigned, '--trusted-key', testKey.pub, '--json').stdout).error.code, 'PACK_UNSIGNED');
    // Without --trusted-key nothing is checked, and nothing claims it was.
    assert.doesNotMatch(cli('inspect', hooked).stdout, /verified/);
  });
});
