// The history a dpkg.log or `dnf history` user expects: an append-only log in .servicepack/ that
// survives uninstall, the `history` command, status showing it, and a failed hook's output shown.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { copyOf, packFrom, testKey } from './helpers/packs.js';
import { flatNew, flatOld } from './helpers/specs.js';
import { cleanupTempDirs, makeTree, tempDir } from './helpers/tree.js';
import { CLI_PATH } from './helpers/cli-path.js';

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, [CLI_PATH, ...args], { encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
const lastJson = (stdout: string) => JSON.parse(stdout.trim().split('\n').at(-1)!) as Record<string, any>;
const key = ['--trusted-key', testKey.pub];
const labels = ['--product', 'acme', '--from-version', '1.0', '--to-version', '2.0', '--level', '3', '--sign', testKey.key];
const TIME = '\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z';

describe('cli history', () => {
  after(cleanupTempDirs);

  it('logs install and uninstall; the log, status and `history` keep them after the uninstall', async () => {
    const { oldDir, pack } = await packFrom(flatOld, flatNew);
    const target = copyOf(oldDir);
    const i = lastJson(cli('install', pack, ...key, '--target', target, '--json').stdout).result;
    const u = lastJson(cli('uninstall', '--target', target, '--json').stdout).result;
    const log = readFileSync(join(target, '.servicepack/history.log'), 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, any>);
    assert.deepEqual(log.map((e) => [e.event, e.outcome, e.txid, e.fromVersion, e.toVersion, e.packId]), [
      ['install', 'committed', i.txid, '1.0', '2.0', i.packId],
      ['uninstall', 'committed', u.txid, '2.0', '1.0', i.packId],
    ]);

    const st = lastJson(cli('status', '--target', target, '--json').stdout).result;
    assert.deepEqual(st.history, [], 'no service pack is installed');
    assert.deepEqual(st.log, log);
    const text = cli('status', '--target', target).stdout.split('\n');
    assert.equal(text[1], 'uninstall backups: 0 B for 0 service pack(s) (servicepack cleanup --prune N keeps the newest N)');
    assert.equal(text[2], `last 2 of 2 event(s) (servicepack history --target ${target} lists all):`);
    assert.match(text[3]!, new RegExp(`^  ${TIME} install {3}acme 1\\.0 -> 2\\.0 committed \\(transaction ${i.txid}\\)$`));
    assert.match(text[4]!, new RegExp(`^  ${TIME} uninstall acme 2\\.0 -> 1\\.0 committed \\(transaction ${u.txid}\\)$`));

    const h = cli('history', '--target', target);
    assert.equal(h.status, 0, h.stderr);
    assert.deepEqual(h.stdout.split('\n').map((l) => l.slice(25)), [text[3]!.slice(27), text[4]!.slice(27), '']);
    assert.deepEqual(lastJson(cli('history', '--target', target, '--json').stdout).result.events, log);
    const fresh = cli('history', '--target', tempDir('fresh'));
    assert.equal(fresh.status, 1);
    assert.match(fresh.stderr, /error NOT_MANAGED/);
  });

  it('a failed hook shows its output: the pre hook in the error, the post hook in the result and the log', () => {
    const oldDir = makeTree({ 'a.txt': 'v1\n' });
    const newDir = makeTree({ 'a.txt': 'v2\n' });
    const dir = tempDir('hooks');
    const pre = join(dir, 'pre.svp');
    const post = join(dir, 'post.svp');
    const say = (code: number) => JSON.stringify(['sh', '-c', `echo "checking the service"; echo "it is not ready" >&2; exit ${code}`]);
    assert.equal(cli('build', oldDir, newDir, '--out', pre, ...labels, '--pre-hook', say(7)).status, 0);
    assert.equal(cli('build', oldDir, newDir, '--out', post, ...labels, '--post-hook', say(3)).status, 0);

    const target = copyOf(oldDir);
    const failed = cli('install', pre, ...key, '--target', target);
    assert.equal(failed.status, 1);
    assert.ok(failed.stderr.includes('error HOOK_FAILED: the pre hook ["sh","-c",'), failed.stderr);
    assert.ok(failed.stderr.includes('\n  its output:\n  | checking the service\n  | it is not ready\n'), failed.stderr);
    assert.equal(readFileSync(join(target, 'a.txt'), 'utf8'), 'v1\n');

    const r = cli('install', post, ...key, '--target', target);
    assert.equal(r.status, 0, r.stderr);
    assert.ok(r.stdout.includes(`post hook ${say(3)}: FAILED (exit 3)\n  its output:\n  | checking the service\n  | it is not ready\n`), r.stdout);
    const h = cli('history', '--target', target).stdout;
    assert.ok(h.includes(`\n  post hook ${say(3)}: FAILED (exit 3)\n    its output:\n    | checking the service\n    | it is not ready\n`), h);
    const ev = lastJson(cli('history', '--target', target, '--json').stdout).result.events.at(-1);
    assert.deepEqual(ev.hooks, [{ phase: 'post', argv: JSON.parse(say(3)), ok: false, exitCode: 3, signal: null, output: 'checking the service\nit is not ready\n' }]);
  });

  it('a line cut short by a crash is skipped, and the next event still gets its own line', async () => {
    const { oldDir, pack } = await packFrom(flatOld, flatNew);
    const target = copyOf(oldDir);
    assert.equal(cli('install', pack, ...key, '--target', target).status, 0);
    const log = join(target, '.servicepack/history.log');
    writeFileSync(log, `${readFileSync(log, 'utf8')}{"time":"2026-`);
    assert.equal(lastJson(cli('history', '--target', target, '--json').stdout).result.events.length, 1);
    assert.equal(cli('uninstall', '--target', target).status, 0);
    const events = lastJson(cli('history', '--target', target, '--json').stdout).result.events as { event: string }[];
    assert.deepEqual(events.map((e) => e.event), ['install', 'uninstall']);
  });
});
