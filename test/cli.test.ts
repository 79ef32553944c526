// The command line as users run it: a real `node dist/bundle/servicepack.js` process per command, checked
// on its exit code, its --json result line and its text on stdout/stderr.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { copyOf, testKey, treeOf } from './helpers/packs.js';
import { flatNew, flatOld } from './helpers/specs.js';
import { cleanupTempDirs, makeTree, sha256OfFile, tempDir } from './helpers/tree.js';
import { CLI_PATH } from './helpers/cli-path.js';

const main = CLI_PATH;

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, [main, ...args], { encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The last stdout line of a --json run, parsed. */
function resultOf(stdout: string): Record<string, any> {
  const lines = stdout.trim().split('\n');
  return JSON.parse(lines.at(-1)!) as Record<string, any>;
}

describe('cli', () => {
  after(cleanupTempDirs);
  const oldDir = makeTree(flatOld);
  const newDir = makeTree(flatNew);
  const pack = join(tempDir('cli'), 'acme.svp');

  it('builds a pack and inspects it', () => {
    const b = cli('build', oldDir, newDir, '--out', pack, '--product', 'acme', '--from-version', '1.0', '--to-version', '2.0', '--sign', testKey.key, '--json');
    assert.equal(b.status, 0, b.stderr);
    const built = resultOf(b.stdout);
    assert.deepEqual([built.type, built.command, built.ok, built.exitCode], ['result', 'build', true, 0]);
    assert.deepEqual(built.result.counts, { add: 3, change: 4, remove: 2, keep: 4 });

    const i = cli('inspect', pack, '--json');
    assert.equal(i.status, 0, i.stderr);
    const r = resultOf(i.stdout);
    assert.deepEqual([r.type, r.command, r.ok, r.exitCode], ['result', 'inspect', true, 0]);
    assert.deepEqual([r.result.packId, r.result.product, r.result.fromVersion, r.result.toVersion], [built.result.packId, 'acme', '1.0', '2.0']);
    // The 9 paths that change and the 2 unchanged directories above them; the other unchanged paths are only in the tree commitments.
    assert.equal(r.result.entries.length, 11);
  });

  it('installs with --json, prints its events, and reports status', () => {
    const target = copyOf(oldDir);
    const r = cli('install', pack, '--trusted-key', testKey.pub, '--target', target, '--json');
    assert.ok(r.status === 0 || r.status === 3, `exit ${r.status}: ${r.stderr}`);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, any>);
    const last = lines.at(-1)!;
    assert.deepEqual([last.type, last.command, last.ok, last.exitCode], ['result', 'install', true, r.status]);
    assert.deepEqual([last.result.fromVersion, last.result.toVersion, last.result.dryRun], ['1.0', '2.0', false]);
    assert.deepEqual(lines.filter((l) => l.type === 'phase').map((l) => l.phase), ['preflight', 'stage', 'commit', 'record', 'clean-up']);
    assert.deepEqual(treeOf(target), treeOf(newDir));

    const s = cli('status', '--target', target, '--json');
    assert.equal(s.status, 0, s.stderr);
    const st = resultOf(s.stdout).result;
    assert.deepEqual([st.product, st.version, st.pending, st.history.length, st.history[0].txid], ['acme', '2.0', null, 1, last.result.txid]);

    const text = cli('status', '--target', target);
    assert.equal(text.stdout.split('\n')[0], `${target}: acme version 2.0`);
  });

  it('exits 1 with BASE_MISMATCH on stderr for a target that is not the base', () => {
    const target = copyOf(oldDir);
    writeFileSync(join(target, 'bin/tool'), 'local\n');
    const before = treeOf(target);
    const r = cli('install', pack, '--trusted-key', testKey.pub, '--target', target);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /^servicepack install: error BASE_MISMATCH: 1 file\(s\) in the target are not version 1\.0: bin\/tool\n/);
    assert.ok(r.stderr.includes(`  bin/tool\n    expected ${sha256OfFile(join(oldDir, 'bin/tool'))}\n    actual   ${sha256OfFile(join(target, 'bin/tool'))}\n`), r.stderr);
    assert.ok(r.stderr.includes('(servicepack explain BASE_MISMATCH for more)'));
    assert.equal(r.stdout, '');
    assert.deepEqual(treeOf(target), before);

    const j = cli('install', pack, '--trusted-key', testKey.pub, '--target', target, '--json');
    assert.equal(j.status, 1);
    const res = resultOf(j.stdout);
    assert.deepEqual([res.ok, res.exitCode, res.error.code, res.error.details.mismatches.length], [false, 1, 'BASE_MISMATCH', 1]);
  });

  it('exits 2 on an unknown option', () => {
    const r = cli('install', pack, '--target', oldDir, '--frobnicate');
    assert.equal(r.status, 2);
    assert.match(r.stderr, /unknown option '--frobnicate'/);
    assert.equal(r.stdout, '');
  });

  it('explains an error code in the KB format', () => {
    const r = cli('explain', 'base_mismatch');
    assert.equal(r.status, 0, r.stderr);
    const lines = r.stdout.split('\n');
    assert.equal(lines[0], 'BASE_MISMATCH: Files in the target are not the base version the service pack applies to.');
    assert.deepEqual([lines[2], lines[5], lines[8]], ['SYMPTOMS', 'CAUSE', 'RESOLUTION']);
    for (const n of [3, 6, 9]) assert.match(lines[n]!, /^ {2}\S/);
    const bad = cli('explain', 'NO_SUCH_CODE');
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /error USAGE: unknown error code NO_SUCH_CODE/);
  });

  it('verify exits 1 on a modified target and 0 on an intact one', () => {
    const target = copyOf(oldDir);
    assert.equal(cli('install', pack, '--trusted-key', testKey.pub, '--target', target).status, 0);
    assert.equal(cli('verify', '--target', target).status, 0);
    writeFileSync(join(target, 'bin/added.txt'), 'changed\n');
    const r = cli('verify', '--target', target, '--json');
    assert.equal(r.status, 1);
    const v = resultOf(r.stdout);
    assert.deepEqual([v.ok, v.exitCode, v.result.ok], [false, 1, false]);
    assert.deepEqual(v.result.modified, [{ path: 'bin/added.txt', expected: sha256OfFile(join(newDir, 'bin/added.txt')), actual: sha256OfFile(join(target, 'bin/added.txt')) }]);
    const text = cli('verify', '--target', target);
    assert.equal(text.status, 1);
    assert.match(text.stdout, /1 modified, 0 missing, 0 unexpected\n {2}modified {3}bin\/added\.txt/);
  });
});
