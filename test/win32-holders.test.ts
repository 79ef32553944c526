// The Windows platform's holder scan, process start tokens and boot-time deletes, run by the Windows
// node.exe under Wine against real Windows processes built with mingw-w64, in a private copy of the
// Windows tier's prefix. Skipped, saying why, where Wine, mingw-w64 or the tier's set-up
// (scripts/setup-windows.sh) are missing (docs/windows.md).
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { HoldScan } from '../src/platform/index.js';
import { eventually } from './helpers/holders.js';
import { copyOf, packFrom, testKey } from './helpers/packs.js';
import { cleanupTempDirs, describeTree, tempDir, type TreeSpec } from './helpers/tree.js';
import { mingw, privateWine, winPath, wineSkipReason, type Wine } from './helpers/wine.js';

const skip = wineSkipReason({ mingw: true });

describe('Windows holders under Wine', { skip }, () => {
  let dir: string;
  let wine: Wine;
  const started: ChildProcess[] = [];

  before(() => {
    dir = tempDir('win32-holders');
    mingw('held.c', join(dir, 'held.dll'), ['-shared', '-DHELD_VERSION=1']);
    mingw('held.c', join(dir, 'held-2.dll'), ['-shared', '-DHELD_VERSION=2']);
    mingw('host.c', join(dir, 'host.exe'), ['-municode']);
    mingw('holder.c', join(dir, 'holder.exe'), ['-municode']);
    wine = privateWine(dir);
  });

  after(() => {
    for (const p of started) p.kill('SIGKILL');
    wine?.dispose();
    cleanupTempDirs();
  });

  /** Starts a Windows program that writes its Windows pid to `name`.pid, and waits for that pid. */
  async function startHolder(name: string, exe: string, ...args: string[]): Promise<{ pid: number; process: ChildProcess }> {
    const pidFile = join(dir, `${name}.pid`);
    const p = wine.start(join(dir, exe), [winPath(pidFile), ...args], join(dir, `${name}.log`));
    started.push(p);
    const ready = await eventually(() => existsSync(pidFile) && readFileSync(pidFile, 'utf8').endsWith('\n'), 60_000);
    assert.ok(ready, `${name} did not start: ${existsSync(join(dir, `${name}.log`)) ? readFileSync(join(dir, `${name}.log`), 'utf8') : ''}`);
    return { pid: Number(readFileSync(pidFile, 'utf8')), process: p };
  }

  const scan = (...paths: string[]) => wine.probe<HoldScan>(dir, 'scan', ...paths.map((p) => winPath(join(dir, p))));

  it('names a host by its loaded DLL (mapped), its executable (exe) and its current directory (cwd), exact pid', async () => {
    const host = await startHolder('host', 'host.exe', winPath(join(dir, 'held.dll')));
    const result = scan('held.dll', 'host.exe', 'holder.exe', '.');
    assert.deepEqual(result.found, [{ pid: host.pid, holds: [{ index: 0, kind: 'mapped' }, { index: 1, kind: 'exe' }, { index: 3, kind: 'cwd' }] }]);
    assert.deepEqual(result.uninspectable, []);
  });

  it('names a process holding a data file open without delete sharing (fd), exact pid, with its facts', async () => {
    const data = join(dir, 'data.bin');
    mingwData(data);
    const holder = await startHolder('holder', 'holder.exe', winPath(data));
    const result = wine.probe<HoldScan>(dir, 'scan', '--facts', winPath(data));
    assert.equal(result.found.length, 1);
    const [found] = result.found;
    assert.equal(found!.pid, holder.pid);
    assert.deepEqual(found!.holds, [{ index: 0, kind: 'fd' }]);
    assert.equal(found!.facts?.command, `"${winPath(join(dir, 'holder.exe'))}" ${winPath(join(dir, 'holder.pid'))} ${winPath(data)}`);
    assert.match(found!.facts?.startedAt ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d\d0Z$/);
    assert.notEqual(found!.facts?.user, 'unknown');
  });

  it('still names the host after a Windows process renamed its DLL aside and put a new one in place (by identity, not by the stale module name)', async () => {
    const host = await startHolder('host-2', 'host.exe', winPath(join(dir, 'held-2.dll')));
    // As servicepack sets aside on Windows: into the backup, under the same name, then the new file in.
    wine.probe(dir, 'setAside', winPath(join(dir, 'held-2.dll')), winPath(join(dir, 'backup/files/held-2.dll')), winPath(join(dir, 'held.dll')));
    const result = scan('backup/files/held-2.dll', 'held-2.dll');
    assert.deepEqual(result.found, [{ pid: host.pid, holds: [{ index: 0, kind: 'mapped' }] }]);
  });

  it('gives a start token that is stable while the process runs and null once it has exited; its command line likewise', async () => {
    const data = join(dir, 'short.bin');
    mingwData(data);
    const p = await startHolder('short', 'holder.exe', winPath(data));
    const [a, b] = wine.probe<[string | null, string | null][]>(dir, 'token', String(p.pid))[0]!;
    assert.match(a ?? '', /^ft:\d+$/);
    assert.equal(a, b);
    assert.equal(wine.probe(dir, 'describe', String(p.pid)), `"${winPath(join(dir, 'holder.exe'))}" ${winPath(join(dir, 'short.pid'))} ${winPath(data)}`);
    p.process.kill('SIGKILL');
    await eventually(() => p.process.exitCode !== null || p.process.signalCode !== null, 10_000);
    // wineserver learns of a killed process when its connection closes, a moment after the kill.
    let tokens: unknown;
    for (let i = 0; i < 5 && JSON.stringify(tokens) !== '[[null,null]]'; i++) tokens = wine.probe(dir, 'token', String(p.pid));
    assert.deepEqual(tokens, [[null, null]]);
    assert.equal(wine.probe(dir, 'describe', String(p.pid)), null);
  });

  it('Restart Manager answers without error and lists nobody: Wine stubs it', () => {
    assert.deepEqual(wine.probe(dir, 'restartManager', winPath(join(dir, 'held.dll'))), []);
  });

  it('schedules a delete at the next boot, lists it as pending, and the simulated reboot deletes it', () => {
    const doomed = join(dir, 'doomed.dll');
    mingwData(doomed);
    assert.equal(wine.probe(dir, 'schedule', winPath(doomed)), true);
    assert.deepEqual(wine.probe(dir, 'pending'), [winPath(doomed)]);
    assert.ok(existsSync(doomed));
    for (const p of started) p.kill('SIGKILL');
    wine.reboot(join(dir, 'reboot.log'));
    assert.equal(existsSync(doomed), false);
    assert.deepEqual(wine.probe(dir, 'pending'), []);
  });

  it('install on a platform with NTFS path rules, run by node.exe, refuses a pack with a device name and changes nothing', async () => {
    // Verifying the pack decodes its blobs: node.exe loads the tier's win32 zstd-napi.
    assert.equal(wine.probe<boolean>(dir, 'zstdLoads'), true);
    const { oldDir, pack } = await packFrom({ bin: { 'a.dll': 'v1\n' } }, { bin: { 'a.dll': 'v2\n', 'nul.dll': 'x\n' } });
    const target = copyOf(oldDir);
    const before = describeTree(target);
    const r = wine.probe<{ code: string; details: unknown }>(dir, 'installDryRun', winPath(pack), winPath(target), winPath(testKey.pub));
    assert.deepEqual(r, { code: 'PACK_UNSAFE_PATH', details: { entry: 'bin/nul.dll', reason: 'the name "nul.dll" is the reserved Windows device name NUL' } });
    assert.deepEqual(describeTree(target), before);
  });

  it('a transaction hands the holder scan the paths it changes, not its target: as many on 1,000 files as on 10; a process running from the target is still named by path (exe, cwd)', async () => {
    const scans: unknown[] = [];
    for (const n of [10, 1000]) {
      const tree = (main: string): TreeSpec => {
        const data: TreeSpec = {};
        for (let i = 0; i < n; i++) data[`f${i}.txt`] = `file ${i}\n`;
        return { data, bin: { 'host.exe': readFileSync(join(dir, 'host.exe')), 'main.txt': main } };
      };
      const { oldDir, pack } = await packFrom(tree('v1\n'), tree('v2\n'));
      const target = copyOf(oldDir);
      // host.exe runs from the target, in its directory (its cwd), and the pack changes neither.
      const pidFile = join(dir, `from-target-${n}.pid`);
      started.push(wine.start(join(target, 'bin/host.exe'), [winPath(pidFile)], join(dir, `from-target-${n}.log`)));
      assert.ok(await eventually(() => existsSync(pidFile) && readFileSync(pidFile, 'utf8').endsWith('\n'), 60_000), `host.exe did not start from ${target}`);
      const pid = Number(readFileSync(pidFile, 'utf8'));
      type Counted = { scans: { files: number; placesUnder: boolean }[]; holders: { pid: number; path: string; kind: string }[] };
      const plan = wine.probe<Counted>(dir, 'installCounted', winPath(pack), winPath(target), winPath(testKey.pub), 'dry-run');
      assert.deepEqual(plan.holders, [{ pid, path: 'bin', kind: 'cwd' }, { pid, path: 'bin/host.exe', kind: 'exe' }]);
      const done = wine.probe<Counted>(dir, 'installCounted', winPath(pack), winPath(target), winPath(testKey.pub));
      assert.deepEqual(done.holders, [{ pid, path: 'bin', kind: 'cwd' }, { pid, path: 'bin/host.exe', kind: 'exe' }]);
      assert.equal(readFileSync(join(target, 'bin/main.txt'), 'utf8'), 'v2\n');
      scans.push([...plan.scans, ...done.scans]);
    }
    // Before the commit the one changed path, after it the set-aside copy: never the 10 or 1,000 others.
    assert.deepEqual(scans[0], scans[1]);
    assert.ok((scans[0] as { files: number; placesUnder: boolean }[]).every((s) => s.files <= 2 && s.placesUnder), JSON.stringify(scans));
  });

  /** A data file written by a Windows process (copied from a fixture binary). */
  function mingwData(path: string): void {
    wine.probe(dir, 'copy', winPath(join(dir, 'holder.exe')), winPath(path));
  }
});
