// What the command line prints at scale: help with examples, exit codes and required options marked;
// a summary first and the file list only with -v; --quiet; readable sizes; --dry-run on uninstall and
// cleanup; and the restart report that tells "runs the old version" (exit 3) from "may need a restart".
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { copyOf, packFrom, testKey, treeOf } from './helpers/packs.js';
import { flatNew, flatOld } from './helpers/specs.js';
import { startProcess, stop, stopAll } from './helpers/holders.js';
import { cleanupTempDirs, hashTree, type TreeSpec } from './helpers/tree.js';
import { CLI_PATH } from './helpers/cli-path.js';

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, [CLI_PATH, ...args], { encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
const lastJson = (stdout: string) => JSON.parse(stdout.trim().split('\n').at(-1)!) as Record<string, any>;
const key = ['--trusted-key', testKey.pub];

describe('cli output', () => {
  after(async () => {
    await stopAll();
    cleanupTempDirs();
  });

  it('--help has examples, exit codes and required options, and no `(default: [])`', () => {
    const top = cli('--help').stdout;
    assert.match(top, /\nExamples:\n {2}servicepack build /);
    assert.match(top, /\nExit codes:\n {2}0 +done \(install: also "already installed"\)\n[\s\S]* {2}5 +health check failed/);
    assert.match(top, /\n {2}3 +done, but processes still run the old version: restart them\n/);
    for (const c of ['install', 'uninstall', 'build', 'cleanup', 'status', 'trust', 'inspect', 'history']) {
      const h = cli(c, '--help').stdout;
      assert.doesNotMatch(h, /\(default: \[\]\)/, c);
      if (c !== 'build' && c !== 'inspect') assert.match(h, /--target <dir> +the installation directory \(required\)/, c);
    }
    assert.match(cli('install', '--help').stdout, /\nExamples:\n.*\n[\s\S]*Exit codes: 0 done \(or already installed\)/);
    for (const c of ['uninstall', 'cleanup']) assert.match(cli(c, '--help').stdout, /--dry-run +check and print what/);
  });

  it('install and uninstall print a summary, the files with -v, nothing with -q; sizes are readable', async () => {
    const { oldDir, newDir, pack } = await packFrom(flatOld, flatNew);
    const target = copyOf(oldDir);
    const plan = cli('install', pack, ...key, '--target', target, '--dry-run');
    assert.equal(plan.status, 0, plan.stderr);
    const p = plan.stdout.split('\n');
    assert.equal(p[1], '4 changed, 3 added, 2 removed (-v lists them)');
    assert.match(plan.stdout, /\nto write [\d.]+ (B|KiB|MiB), free [\d.]+ (MiB|GiB|TiB): fits\n/);
    assert.doesNotMatch(plan.stdout, /^ {2}(add|change|remove) /m);

    const r = cli('install', pack, ...key, '--target', target);
    assert.equal(r.status, 0, r.stderr);
    const lines = r.stdout.split('\n');
    assert.match(lines[0]!, /^installed acme 1\.0 -> 2\.0 into .* \(transaction \S+\)$/);
    assert.match(lines[1]!, /^4 changed, 3 added, 2 removed \(-v lists them\); \d+ B written; 6 previous file\(s\) set aside for uninstall$/);
    assert.doesNotMatch(r.stdout, /^ {2}(add|change|remove) /m);

    const dry = cli('uninstall', '--target', target, '--dry-run');
    assert.equal(dry.status, 0, dry.stderr);
    assert.match(dry.stdout, /^plan: uninstall acme 2\.0 from .*, back to version 1\.0 \(dry run: nothing was changed\)\n4 changed, 2 added, 3 removed \(-v lists them\)\n/);
    const dryV = cli('uninstall', '--target', target, '--dry-run', '-v').stdout;
    assert.equal(dryV.split('\n').filter((l) => /^ {2}(add|change|remove) /.test(l)).length, 9);
    assert.deepEqual(treeOf(target), treeOf(newDir), 'the dry run changed nothing');

    const u = cli('uninstall', '--target', target, '-v');
    assert.equal(u.status, 0, u.stderr);
    assert.match(u.stdout, /\n {2}change file {4}bin\/tool \(8 bytes\)\n/);
    assert.deepEqual(treeOf(target), treeOf(oldDir));

    const again = copyOf(oldDir);
    const q = cli('install', pack, ...key, '--target', again, '-q');
    assert.deepEqual([q.status, q.stdout, q.stderr], [0, '', '']);
  });

  it('cleanup --dry-run lists what it would remove and removes nothing', async () => {
    const { oldDir, pack } = await packFrom(flatOld, flatNew);
    const target = copyOf(oldDir);
    assert.equal(cli('install', pack, ...key, '--target', target).status, 0);
    // A reader keeps the file the uninstall removes: the uninstall's clean-up must keep its set-aside copy.
    const reader = await startProcess('sh', ['-c', 'exec 3<"$1"; echo ready; exec sleep 600', 'sh', join(target, 'bin/added.txt')]);
    const u = lastJson(cli('uninstall', '--target', target, '--json').stdout).result;
    const aside = `.servicepack/backup/${u.txid}/files/bin/added.txt`;
    assert.deepEqual(u.cleanup.held.map((h: any) => h.path), [aside]);
    await stop(reader);

    const before = hashTree(target);
    const dry = cli('cleanup', '--target', target, '--dry-run', '--json');
    assert.equal(dry.status, 0, dry.stderr);
    const d = lastJson(dry.stdout).result;
    assert.deepEqual([d.dryRun, d.removed, d.bytesFreed, d.held], [true, [aside], 6, []]);
    assert.equal(hashTree(target), before, 'nothing removed');
    assert.equal(cli('cleanup', '--target', target, '--dry-run').stdout, 'would clean up 1 set-aside file(s) (6 B) (dry run: nothing was removed) (-v lists them)\n');
    assert.equal(cli('cleanup', '--target', target, '--dry-run', '-v').stdout.split('\n')[1], `  ${aside}`);
    const real = lastJson(cli('cleanup', '--target', target, '--json').stdout).result;
    assert.deepEqual([real.dryRun, real.removed], [false, [aside]]);
  });

  it('tells "runs the old version" (exit 3) from "may need a restart" (exit 0), in text and JSON', async () => {
    const sleep = readFileSync('/bin/sleep');
    const oldSpec: TreeSpec = { bin: { tool: { content: sleep, mode: 0o755 } }, 'conf.txt': 'v1\n' };
    const newSpec: TreeSpec = { bin: { tool: { content: Buffer.concat([sleep, Buffer.from('build 2\n')]), mode: 0o755 } }, 'conf.txt': 'v2\n' };
    const { oldDir, pack } = await packFrom(oldSpec, newSpec);

    // Only a shell sitting in the target: it holds no replaced file.
    const t1 = copyOf(oldDir);
    const shell = await startProcess('sh', ['-c', 'echo ready && read x'], { cwd: t1 });
    const maybe = cli('install', pack, ...key, '--target', t1, '--json');
    assert.equal(maybe.status, 0, maybe.stderr);
    const m = lastJson(maybe.stdout).result;
    assert.deepEqual([m.restartNeeded, m.restartAdvised], [false, true]);
    assert.deepEqual(m.staleProcesses.map((s: any) => [s.pid, s.kind, s.path, s.reason, s.runsOldVersion]), [[shell.pid, 'cwd', '', 'started-before-commit', false]]);
    await stop(shell);

    // A running executable that the install replaces: it runs the old version.
    const t2 = copyOf(oldDir);
    const exe = spawn(join(t2, 'bin/tool'), ['600'], { stdio: 'ignore' });
    const shell2 = await startProcess('sh', ['-c', 'echo ready && read x'], { cwd: t2 });
    try {
      await new Promise((r) => setTimeout(r, 500));
      const r = cli('install', pack, ...key, '--target', t2);
      assert.equal(r.status, 3, r.stderr);
      assert.ok(r.stdout.includes(`RESTART NEEDED: 1 process(es) still run the old version (they hold files that were replaced):\n  bin/tool (old version, set aside)\n      pid ${exe.pid} exe `), r.stdout);
      assert.ok(r.stdout.includes(`may need a restart: 1 process(es) started before the commit and run from the target (they hold no replaced file):\n  . (cwd in the target, started before the commit)\n      pid ${shell2.pid} cwd `), r.stdout);
    } finally {
      await stop({ pid: exe.pid!, child: exe });
    }
  });
});
