// After a commit: the processes still running old code (exit code 3), --restart-units without systemd,
// and the clean-up that keeps a set-aside file while a process maps it and removes it once it is free.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { cleanupSync as cleanup, installSync as install, uninstallSync as uninstall, type StaleProcess } from '../src/index.js';
import { compileFixture } from '../src/demo/compile.js';
import { startHolder } from '../src/demo/holder.js';
import { brief, eventually, startProcess, stop, stopAll } from './helpers/holders.js';
import { copyOf, packFrom, stateFilesOf, testKey, treeOf, trusted } from './helpers/packs.js';
import { cleanupTempDirs, tempDir, type TreeSpec } from './helpers/tree.js';
import { CLI_PATH } from './helpers/cli-path.js';
import { needs } from './helpers/tools.js';

const sleepBinary = readFileSync('/bin/sleep');
const oldSpec: TreeSpec = {
  bin: { tool: { content: sleepBinary, mode: 0o755 } },
  'conf.txt': 'v1\n',
  etc: { 'keep.txt': 'same\n' },
};
const newSpec: TreeSpec = {
  // Trailing bytes after an ELF image change the file, not how it runs.
  bin: { tool: { content: Buffer.concat([sleepBinary, Buffer.from('build 2\n')]), mode: 0o755 } },
  'conf.txt': 'v2\n',
  etc: { 'keep.txt': 'same\n' },
};
const cli = CLI_PATH;
const staleLine = (s: StaleProcess) => `${brief(s)} ${s.reason}`;

describe('restart report', { skip: process.platform !== 'linux' && 'reads /proc (Linux)' }, () => {
  after(async () => {
    await stopAll();
    cleanupTempDirs();
  });

  it('names the holders per action in the plan, then the processes still on old code (exit 3)', async () => {
    const { oldDir, newDir, pack } = await packFrom(oldSpec, newSpec);
    const target = copyOf(oldDir);
    const exe = spawn(join(target, 'bin/tool'), ['600'], { stdio: 'ignore' });
    const fd = await startProcess('sh', ['-c', 'exec 3<"$1"; echo ready; exec sleep 600', 'sh', join(target, 'conf.txt')]);
    const shell = await startProcess('sh', ['-c', 'cd "$1" && echo ready && read x', 'sh', join(target, 'etc')]);
    try {
      assert.ok(await eventually(() => install(pack, { ...trusted, target, dryRun: true }).holders.length === 3));
      const plan = install(pack, { ...trusted, target, dryRun: true });
      assert.deepEqual(plan.actions.map((a) => [a.path, a.holders.map(brief)]), [
        ['bin/tool', [`${exe.pid} exe bin/tool`]],
        ['conf.txt', [`${fd.pid} fd conf.txt`]],
      ]);
      assert.deepEqual(plan.holders.map(brief), [`${exe.pid} exe bin/tool`, `${fd.pid} fd conf.txt`, `${shell.pid} cwd etc`].sort());
      assert.equal(plan.restartNeeded, true);

      const run = spawnSync(process.execPath, [cli, 'install', pack, '--trusted-key', testKey.pub, '--target', target, '--json'], { encoding: 'utf8' });
      assert.equal(run.status, 3, run.stderr);
      const last = JSON.parse(run.stdout.trim().split('\n').at(-1)!);
      assert.equal(last.ok, true);
      assert.equal(last.exitCode, 3);
      const r = last.result;
      assert.deepEqual(treeOf(target), treeOf(newDir));
      assert.equal(r.restartNeeded, true);
      assert.deepEqual(r.holders.map(brief), plan.holders.map(brief));
      assert.deepEqual(r.staleProcesses.map(staleLine), [
        `${exe.pid} exe bin/tool set-aside`,
        `${fd.pid} fd conf.txt set-aside`,
        `${shell.pid} cwd etc started-before-commit`,
      ].sort());
      assert.deepEqual(r.cleanup, { removed: [], bytesFreed: 0, held: [], uninspectable: r.cleanup.uninspectable, backupWrites: [], atReboot: [] });
    } finally {
      await stop({ pid: exe.pid!, child: exe });
    }
  });

  it('needs no restart when nothing holds the target, and says why units cannot be restarted here', { skip: existsSync('/run/systemd/system') && 'this machine runs systemd' }, async () => {
    const { oldDir, pack } = await packFrom(oldSpec, newSpec);
    const target = copyOf(oldDir);
    const r = install(pack, { ...trusted, target, restartUnits: true });
    assert.equal(r.restartNeeded, false);
    assert.deepEqual(r.staleProcesses, []);
    assert.deepEqual(r.holders, []);
    assert.equal(r.unitRestarts?.available, false);
    assert.match(r.unitRestarts?.reason ?? '', /^(systemctl was not found on PATH|this system is not running systemd \(\/run\/systemd\/system is missing\))$/);
    assert.deepEqual(r.unitRestarts?.units, []);
  });

  it('keeps a set-aside library while a process maps it, and removes it once the process is gone', { skip: needs('cc') }, async () => {
    const v55 = compileFixture(tempDir('cc55'), '5.5');
    const sp4 = compileFixture(tempDir('ccsp4'), 'SP4');
    const lib = (c: typeof v55) => ({ 'Mdbperf.dll': readFileSync(c.libs['Mdbperf.dll']!), 'conf.txt': c === v55 ? 'v1\n' : 'v2\n' });
    const { oldDir, pack } = await packFrom({ lib: lib(v55) }, { lib: lib(sp4) });
    const target = copyOf(oldDir);
    const done = install(pack, { ...trusted, target });
    assert.equal(done.restartNeeded, false);
    const kept = [`.servicepack/backup/${done.txid}/files/lib/Mdbperf.dll`, `.servicepack/backup/${done.txid}/files/lib/conf.txt`];
    for (const k of kept) assert.ok(stateFilesOf(target).includes(k.slice('.servicepack/'.length)), `${k} is kept for uninstall`);

    // A host loads the SP4 library; uninstall sets that inode aside while it is still mapped.
    const host = await startHolder(v55.host, [join(target, 'lib/Mdbperf.dll')]);
    try {
      const undone = uninstall({ target });
      assert.deepEqual(treeOf(target), treeOf(oldDir));
      const aside = `.servicepack/backup/${undone.txid}/files/lib/Mdbperf.dll`;
      assert.deepEqual(undone.staleProcesses.map(staleLine), [`${host.pid} mapped lib/Mdbperf.dll set-aside`]);
      assert.equal(undone.restartNeeded, true);
      assert.deepEqual(undone.cleanup.removed, [`.servicepack/backup/${done.txid}/record.json`, `.servicepack/backup/${undone.txid}/files/lib/conf.txt`].sort());
      assert.deepEqual(undone.cleanup.held.map((h) => [h.path, h.holders.map(brief)]), [[aside, [`${host.pid} mapped ${aside}`]]]);
      assert.deepEqual(cleanup({ target }).held.map((h) => h.path), [aside], 'still held: kept');
      assert.ok(host.alive());
      await host.stop();
      const freed = cleanup({ target });
      assert.deepEqual(freed.removed, [aside]);
      assert.equal(freed.bytesFreed, readFileSync(sp4.libs['Mdbperf.dll']!).length);
      assert.deepEqual(freed.held, []);
      // The tree's listing, written by the first install, stays: it is the record of version 1.0 now.
      assert.deepEqual(stateFilesOf(target), ['backup', 'history.log', 'staging', 'state.json', 'tree', `tree/${done.txid}.json`, 'trust', `trust/${testKey.keyId}.pub`]);
      assert.deepEqual(cleanup({ target }).removed, [], 'nothing left to clean');
    } finally {
      await host.stop();
    }
  });
});
