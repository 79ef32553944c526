// The command line at its edges, as users meet them: commands on a target servicepack never touched,
// usage errors under --json, who could not be inspected, a shell sitting in the target, and re-running
// an install that is already done (configuration tools re-run everything).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { copyOf, packFrom, testKey, treeOf } from './helpers/packs.js';
import { flatNew, flatOld } from './helpers/specs.js';
import { startProcess, stopAll } from './helpers/holders.js';
import { cleanupTempDirs, hashTree, tempDir } from './helpers/tree.js';
import { CLI_PATH } from './helpers/cli-path.js';

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, [CLI_PATH, ...args], { encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
const lastJson = (stdout: string) => JSON.parse(stdout.trim().split('\n').at(-1)!) as Record<string, any>;
const isRoot = process.getuid?.() === 0;

describe('cli edges', () => {
  after(async () => {
    await stopAll();
    cleanupTempDirs();
  });

  it('uninstall on a directory servicepack never touched says NOT_MANAGED and leaves it as it was', () => {
    const fresh = tempDir('fresh');
    const r = cli('uninstall', '--target', fresh);
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /^servicepack uninstall: error NOT_MANAGED: /);
    assert.deepEqual(readdirSync(fresh), []);
    const j = cli('uninstall', '--target', fresh, '--json');
    assert.equal(lastJson(j.stdout).error.code, 'NOT_MANAGED');
  });

  it('reports usage errors as the JSON result line under --json, and as text without it', () => {
    const r = cli('install', 'x.svp', '--target', tempDir('t'), '--frobnicate', '--json');
    assert.equal(r.status, 2);
    assert.equal(r.stderr, '');
    const res = lastJson(r.stdout);
    assert.deepEqual([res.type, res.command, res.ok, res.exitCode, res.error.code], ['result', 'install', false, 2, 'USAGE']);
    assert.equal(res.error.message, "unknown option '--frobnicate'");
    const missing = lastJson(cli('status', '--json').stdout);
    assert.deepEqual([missing.command, missing.exitCode, missing.error.code, missing.error.message], ['status', 2, 'USAGE', "required option '--target <dir>' not specified"]);
    const text = cli('status');
    assert.equal(text.stdout, '');
    assert.match(text.stderr, /^error: required option '--target <dir>' not specified\n/);
  });

  it('does not tell root to run as root: names the process hidden even from root', { skip: !isRoot && 'needs root' }, () => {
    const j = lastJson(cli('holders', '--target', '/usr', '--json').stdout);
    const hidden = (j.result.uninspectable as { pid: number }[]).map((u) => u.pid);
    if (!hidden.includes(1)) return void assert.ok(true, 'pid 1 is inspectable here');
    const text = cli('holders', '--target', '/usr').stdout;
    assert.doesNotMatch(text, /run as root/);
    assert.match(text, /could not be inspected even as root \(hidden by a sandbox or the container; pid 1 is the init of this container or VM, which its host hides even from root\): 1/);
  });

  it('shows a process whose cwd is the target root as `.`', async () => {
    const { oldDir, pack } = await packFrom(flatOld, flatNew);
    const target = copyOf(oldDir);
    const shell = await startProcess('sh', ['-c', 'echo ready && read x'], { cwd: target });
    const plan = cli('install', pack, '--trusted-key', testKey.pub, '--target', target, '--dry-run');
    assert.ok(plan.stdout.includes(`processes running from the target:\n  .\n      pid ${shell.pid} cwd `), plan.stdout);
    const r = cli('install', pack, '--trusted-key', testKey.pub, '--target', target, '-v');
    assert.ok(r.stdout.includes(`\n  . (cwd in the target, started before the commit)\n      pid ${shell.pid} cwd `), r.stdout);
    const h = cli('holders', '--target', target);
    assert.ok(h.stdout.includes(`\n  .\n    pid ${shell.pid} cwd `), h.stdout);
  });

  it('re-running an installed pack says "already installed", exits 0 and changes nothing', async () => {
    const { oldDir, newDir, pack } = await packFrom(flatOld, flatNew);
    const target = copyOf(oldDir);
    assert.equal(cli('install', pack, '--trusted-key', testKey.pub, '--target', target).status, 0);
    const tree = hashTree(target);
    const state = readFileSync(join(target, '.servicepack/state.json'), 'utf8');
    const backups = readdirSync(join(target, '.servicepack/backup')).sort();
    const again = cli('install', pack, '--trusted-key', testKey.pub, '--target', target);
    assert.equal(again.status, 0, again.stderr);
    assert.match(again.stdout, /^acme 2\.0 is already installed in .*: nothing to do \(pack [0-9a-f]{16}, transaction [0-9A-Za-z-]+\)\n/);
    const j = cli('install', pack, '--trusted-key', testKey.pub, '--target', target, '--json');
    assert.equal(j.status, 0);
    const r = lastJson(j.stdout).result;
    assert.deepEqual([r.alreadyInstalled, r.actions, r.bytesWritten, r.restartNeeded], [true, [], 0, false]);
    const dry = lastJson(cli('install', pack, '--trusted-key', testKey.pub, '--target', target, '--dry-run', '--json').stdout);
    assert.deepEqual([dry.exitCode, dry.result.alreadyInstalled, dry.result.actions], [0, true, []]);
    assert.equal(hashTree(target), tree, 'nothing changed, .servicepack/ included');
    assert.equal(readFileSync(join(target, '.servicepack/state.json'), 'utf8'), state);
    assert.deepEqual(readdirSync(join(target, '.servicepack/backup')).sort(), backups, 'no new transaction');
    assert.deepEqual(treeOf(target), treeOf(newDir));
  });
});
