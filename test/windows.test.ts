// The Windows tier: the article's own system under Wine. Four mingw-built perf DLLs in Exchsrvr\BIN are
// loaded by a mingw-built perfhost.exe while node.exe runs servicepack; every file operation on the
// target is made by a Windows process. Skipped, with the reason, where Wine or .cache/windows is missing
// (scripts/setup-windows.sh sets it up).
import assert from 'node:assert/strict';
import { copyFileSync, cpSync, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { build } from '../src/index.js';
import { testKey } from './helpers/packs.js';
import { cleanupTempDirs, describeTree, makeTree, tempDir, type TreeSpec } from './helpers/tree.js';
import { killAtRenamePreload, pe, rebootWine, runCliJson, type CliOutcome, runCliWin, runNodeExe, startWin, startWine, stopWine, winPath, wineSkipReason, type WinProcess } from './helpers/wine.js';

const skip = wineSkipReason();
const DLLS = ['Mdbperf.dll', 'Msefperf.dll', 'Mtaperf.dll', 'Perfdsa.dll'];
const OLD_LINE = DLLS.map((d) => `${d} 5.5`).join('|');

/** The tree's paths and contents, without .servicepack/ and without the exec bit (NTFS has none). */
const contentTree = (dir: string): string[] => describeTree(dir, { exclude: ['.servicepack'] }).map((l) => l.replace(/ file 0(755|644) /, ' file '));

/** Writes one release of the article's installation under `root`/Exchsrvr (before any Windows process runs). */
function writeRelease(root: string, release: '5.5' | 'SP4'): string {
  const bin = join(root, 'Exchsrvr/BIN');
  mkdirSync(bin, { recursive: true });
  for (const f of [...DLLS, 'perfhost.exe']) copyFileSync(join(pe, release, f), join(bin, f));
  writeFileSync(join(root, 'Exchsrvr/README.txt'), release === '5.5' ? 'Microsoft Exchange Server 5.5 (build 1960)\n' : 'Microsoft Exchange Server 5.5 Service Pack 4 (build 2653)\n');
  writeFileSync(join(bin, 'store.cfg'), '[store]\ncircular_logging=1\n');
  if (release === '5.5') writeFileSync(join(bin, 'legacy.dll'), 'legacy MAPI shim, removed by SP4\n');
  else writeFileSync(join(bin, 'mapi32.dll'), 'MAPI 1.0 provider, added by SP4\n');
  return root;
}

/** A result's staleProcesses as "pid kind reason path", sorted. */
const staleOf = (o: CliOutcome): string[] =>
  (o.result.staleProcesses as { pid: number; kind: string; reason: string; path: string }[]).map((p) => `${p.pid} ${p.kind} ${p.reason} ${p.path}`).sort();

async function packOf(oldDir: string, newDir: string, from: string, to: string): Promise<string> {
  const pack = join(tempDir('wine-pack'), 'sp.svp');
  await build({ oldDir, newDir, out: pack, product: 'exchange', fromVersion: from, toVersion: to, level: 3, sign: testKey.key });
  return pack;
}

/** A fresh target: a copy of `dir`, made before any Windows process touches it. */
function targetFrom(dir: string): string {
  const t = join(tempDir('wine-target'), 'Exchsrvr-install');
  cpSync(dir, t, { recursive: true });
  return t;
}

const key = (): string => winPath(testKey.pub);

/** Waits until the host printed `more` further lines, and returns its last line. */
async function nextLines(host: WinProcess, more = 3): Promise<string> {
  const start = host.lines().length;
  const deadline = Date.now() + 20_000;
  while (host.lines().length < start + more) {
    if (Date.now() > deadline) throw new Error(`the host stopped printing: ${host.lines().slice(-3).join('\n')}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return host.lines().at(-1)!;
}

describe('Windows (under Wine): the article end to end', { skip }, () => {
  let oldDir = '';
  let newDir = '';
  let pack = '';
  before(async () => {
    startWine();
    oldDir = writeRelease(tempDir('wine-55'), '5.5');
    newDir = writeRelease(tempDir('wine-sp4'), 'SP4');
    pack = await packOf(oldDir, newDir, '5.5', 'SP4');
  });
  after(() => {
    stopWine();
    cleanupTempDirs();
  });

  it('a naive copy over a loaded DLL is refused with a sharing violation (the article\'s symptom)', async () => {
    const target = targetFrom(oldDir);
    const host = await startWin(join(target, 'Exchsrvr/BIN/perfhost.exe'), []);
    try {
      assert.equal(await nextLines(host), OLD_LINE);
      const copy = runNodeExe(['-e', 'try { require("fs").copyFileSync(process.argv[1], process.argv[2]); console.log("copied") } catch (e) { console.log(e.code) }',
        winPath(join(newDir, 'Exchsrvr/BIN/Mdbperf.dll')), winPath(join(target, 'Exchsrvr/BIN/Mdbperf.dll'))]);
      assert.equal(copy.stdout.trim(), 'EBUSY');
      assert.deepEqual(contentTree(target), contentTree(oldDir));
      assert.equal(await nextLines(host), OLD_LINE);
    } finally {
      await host.stop();
    }
  });

  it('install completes while perfhost.exe runs, which keeps calling its 5.5 DLLs: exit 3 names its pid holding the four set-aside DLLs; uninstall while it runs restores 5.5 exactly (exit 0: it runs 5.5 again)', async () => {
    const target = targetFrom(oldDir);
    const host = await startWin(join(target, 'Exchsrvr/BIN/perfhost.exe'), []);
    try {
      const installed = runCliJson(['install', winPath(pack), '--target', winPath(target), '--trusted-key', key()]);
      assert.equal(installed.status, 3, installed.run.stdout + installed.run.stderr);
      assert.equal(installed.result.toVersion, 'SP4');
      assert.equal(installed.result.restartNeeded, true);
      // The host holds the old DLLs, now only in the backup, and its own old executable.
      assert.deepEqual(staleOf(installed), [
        ...DLLS.map((d) => `${host.winPid} mapped set-aside Exchsrvr/BIN/${d}`),
        `${host.winPid} exe set-aside Exchsrvr/BIN/perfhost.exe`,
      ].sort());
      assert.deepEqual(contentTree(target), contentTree(newDir));
      // The old DLLs were renamed aside, not overwritten: the host still runs their code.
      assert.equal(await nextLines(host), OLD_LINE);
      const verified = runCliJson(['verify', '--target', winPath(target)]);
      assert.equal(verified.result.ok, true, JSON.stringify(verified.result));

      const removed = runCliJson(['uninstall', '--target', winPath(target)]);
      // Its 5.5 files are back at their names, so it runs the installed version: exit 0; it started
      // before the commit, so it is named as one that may need a restart (docs/holders.md).
      assert.equal(removed.status, 0, removed.run.stdout + removed.run.stderr);
      assert.equal(removed.result.version, '5.5');
      assert.equal(removed.result.restartNeeded, false);
      assert.equal(removed.result.restartAdvised, true);
      assert.deepEqual(staleOf(removed), [`${host.winPid} exe started-before-commit Exchsrvr/BIN/perfhost.exe`]);
      assert.deepEqual(contentTree(target), contentTree(oldDir));
      assert.equal(await nextLines(host), OLD_LINE);
    } finally {
      await host.stop();
    }
  });

  it('uninstall while the restarted host runs SP4: exit 3 names it; the held SP4 DLLs are kept and deleted at the (simulated) reboot; clean-up then leaves nothing behind', async () => {
    const target = targetFrom(oldDir);
    const first = runCliJson(['install', winPath(pack), '--target', winPath(target), '--trusted-key', key()]);
    assert.equal(first.status, 0);
    // The host restarted after the install: it now runs SP4.
    const host = await startWin(join(target, 'Exchsrvr/BIN/perfhost.exe'), []);
    const NEW_LINE = DLLS.map((d) => `${d} 5.5 SP4`).join('|');
    const dllsAside = (txid: string): string[] => DLLS.map((d) => `.servicepack/backup/${txid}/files/Exchsrvr/BIN/${d}`);
    let aside: string[] = [];
    try {
      assert.equal(await nextLines(host), NEW_LINE);
      const removed = runCliJson(['uninstall', '--target', winPath(target)]);
      assert.equal(removed.status, 3, removed.run.stdout + removed.run.stderr);
      assert.equal(removed.result.version, '5.5');
      assert.deepEqual(staleOf(removed), [
        ...DLLS.map((d) => `${host.winPid} mapped set-aside Exchsrvr/BIN/${d}`),
        `${host.winPid} exe set-aside Exchsrvr/BIN/perfhost.exe`,
      ].sort());
      assert.deepEqual(contentTree(target), contentTree(oldDir));
      assert.equal(await nextLines(host), NEW_LINE);
      // The uninstall's own clean-up could not delete what the host has loaded: kept, and (the Wine
      // prefix runs as an administrator) scheduled for deletion at the next boot.
      aside = [...dllsAside(removed.result.txid as string), `.servicepack/backup/${removed.result.txid as string}/files/Exchsrvr/BIN/perfhost.exe`].sort();
      const afterUninstall = removed.result.cleanup as { held: { path: string }[]; atReboot: string[] };
      assert.deepEqual(afterUninstall.held.map((h) => h.path), aside);
      assert.deepEqual(afterUninstall.atReboot, aside);

      const cleaned = runCliJson(['cleanup', '--target', winPath(target)]);
      assert.equal(cleaned.status, 0, cleaned.run.stdout + cleaned.run.stderr);
      const held = cleaned.result.held as { path: string; holders: { pid: number; kind: string }[] }[];
      assert.deepEqual(held.map((h) => `${h.path} ${h.holders.map((x) => `${x.pid} ${x.kind}`).join(',')}`),
        aside.map((p) => `${p} ${host.winPid} ${p.endsWith('.exe') ? 'exe' : 'mapped'}`));
      assert.deepEqual(cleaned.result.atReboot, aside);
      assert.deepEqual(runCliJson(['status', '--target', winPath(target)]).result.waitingForReboot, aside);
      for (const p of aside) assert.ok(existsSync(join(target, p)), p);
      assert.equal(await nextLines(host), NEW_LINE);
    } finally {
      // The simulated reboot ends the host with every other Windows process of the prefix.
      rebootWine();
      await host.exited;
    }
    for (const p of aside) assert.equal(existsSync(join(target, p)), false, p);
    assert.deepEqual(runCliJson(['status', '--target', winPath(target)]).result.waitingForReboot, []);
    const cleaned = runCliJson(['cleanup', '--target', winPath(target)]);
    assert.equal(cleaned.status, 0, cleaned.run.stdout + cleaned.run.stderr);
    assert.deepEqual(contentTree(target), contentTree(oldDir));
    // Only the state, the history log, the tree's listing (the record of 5.5) and the pinned key remain: no backup, staging, journal or lock.
    assert.deepEqual(describeTree(join(target, '.servicepack')).map((l) => l.split(' ')[0]!).filter((p) => !p.startsWith('trust')),
      ['backup', 'history.log', 'staging', 'state.json', 'tree', `tree/${first.result.txid as string}.json`]);
    assert.deepEqual(readdirSync(join(target, '.servicepack/backup')), []);
  });

  it('servicepack demo (the Windows story, as npm run demo:windows tells it) passes', () => {
    const demo = runCliJson(['demo', '--pe-dir', winPath(pe)], { timeoutMs: 300_000 });
    assert.equal(demo.status, 0, demo.run.stdout + demo.run.stderr);
    assert.deepEqual((demo.result.naive as { outcomes: { outcome: string }[] }).outcomes.map((o) => o.outcome), ['EBUSY', 'EBUSY', 'EBUSY', 'EBUSY']);
    const install = demo.result.install as { hostSays: string; exitCode: number; hostPid: number; staleProcesses: { pid: number; kind: string; path: string }[] };
    assert.equal(install.hostSays, OLD_LINE);
    // Act 2 names the host by its pid, holding the four set-aside DLLs and its own old executable.
    assert.equal(install.exitCode, 3);
    assert.deepEqual(install.staleProcesses.map((p) => `${p.pid} ${p.kind} ${p.path}`).sort(),
      [...DLLS.map((d) => `${install.hostPid} mapped Exchsrvr/BIN/${d}`), `${install.hostPid} exe Exchsrvr/BIN/perfhost.exe`].sort());
    assert.equal((demo.result.uninstall as { hostSays: string }).hostSays, OLD_LINE);
    assert.equal((demo.result.uninstall as { restored: boolean }).restored, true);
  });

  it('a data file held open without delete sharing: FILE_IN_USE after the retries, the target unchanged; once closed, the install goes through', async () => {
    const dataOld = makeTree({ Exchsrvr: { BIN: { 'a.dll': 'a 5.5\n' }, MTADATA: { 'store.dat': 'store 5.5\n' }, 'README.txt': '5.5\n' } });
    const dataNew = makeTree({ Exchsrvr: { BIN: { 'a.dll': 'a SP4\n' }, MTADATA: { 'store.dat': 'store SP4\n' }, 'README.txt': 'SP4\n' } });
    const dataPack = await packOf(dataOld, dataNew, '5.5', 'SP4');
    const target = targetFrom(dataOld);
    const store = join(target, 'Exchsrvr/MTADATA/store.dat');
    const holder = await startWin(join(pe, 'holdopen.exe'), [winPath(store)]);
    let failed;
    try {
      // a.dll is swapped before store.dat (path order), so the failure also rolls a finished swap back.
      failed = runCliJson(['install', winPath(dataPack), '--target', winPath(target), '--trusted-key', key(), '--in-use-wait', '600']);
    } finally {
      await holder.stop();
    }
    assert.equal(failed.status, 1, failed.run.stdout + failed.run.stderr);
    assert.equal(failed.error?.code, 'FILE_IN_USE');
    assert.deepEqual(failed.error?.details, { path: winPath(store), errno: 'EBUSY', attempts: 3, waitedMs: 600 });
    assert.deepEqual(contentTree(target), contentTree(dataOld));
    assert.equal(existsSync(join(target, '.servicepack')), false, 'a failed first install leaves no .servicepack');
    const retried = runCliJson(['install', winPath(dataPack), '--target', winPath(target), '--trusted-key', key()]);
    assert.equal(retried.status, 0, retried.run.stdout + retried.run.stderr);
    assert.deepEqual(contentTree(target), contentTree(dataNew));
  });

  it('paths longer than 260 characters install and uninstall', async () => {
    const deep = (leaf: TreeSpec): TreeSpec => ({ Exchsrvr: { [`${'d'.repeat(70)}1`]: { [`${'d'.repeat(70)}2`]: { [`${'d'.repeat(70)}3`]: { [`${'d'.repeat(70)}4`]: leaf } } } } });
    const longOld = makeTree(deep({ 'settings.ini': 'v=5.5\n' }));
    const longNew = makeTree(deep({ 'settings.ini': 'v=SP4\n', 'added.ini': 'new\n' }));
    const target = targetFrom(longOld);
    assert.ok(winPath(join(target, describeTree(longNew).at(-1)!.split(' ')[0]!)).length > 300);
    const longPack = await packOf(longOld, longNew, '5.5', 'SP4');
    const installed = runCliJson(['install', winPath(longPack), '--target', winPath(target), '--trusted-key', key()]);
    assert.equal(installed.status, 0, installed.run.stdout + installed.run.stderr);
    assert.deepEqual(contentTree(target), contentTree(longNew));
    assert.equal(runCliJson(['verify', '--target', winPath(target)]).result.ok, true);
    assert.equal(runCliJson(['uninstall', '--target', winPath(target)]).status, 0);
    assert.deepEqual(contentTree(target), contentTree(longOld));
  });

  it('a pack that creates a symbolic link is refused with SYMLINK_UNSUPPORTED; nothing changes', async () => {
    const linkOld = makeTree({ Exchsrvr: { 'perfhost.exe': 'host\n' } });
    const linkNew = makeTree({ Exchsrvr: { 'perfhost.exe': 'host\n', perfmon: { symlink: 'perfhost.exe' } } });
    const target = targetFrom(linkOld);
    const refused = runCliJson(['install', winPath(await packOf(linkOld, linkNew, '5.5', 'SP4')), '--target', winPath(target), '--trusted-key', key()]);
    assert.equal(refused.status, 1);
    assert.equal(refused.error?.code, 'SYMLINK_UNSUPPORTED');
    assert.deepEqual(refused.error?.details, { target: winPath(target), paths: ['Exchsrvr/perfmon'] });
    assert.deepEqual(contentTree(target), contentTree(linkOld));
    assert.equal(existsSync(join(target, '.servicepack')), false);
  });
});

describe('Windows (under Wine): killed at sampled renames, then recover', { skip }, () => {
  let oldDir = '';
  let newDir = '';
  let pack = '';
  let preload = '';
  before(async () => {
    startWine();
    oldDir = writeRelease(tempDir('wine-55'), '5.5');
    newDir = writeRelease(tempDir('wine-sp4'), 'SP4');
    pack = await packOf(oldDir, newDir, '5.5', 'SP4');
    preload = killAtRenamePreload();
  });
  after(() => {
    stopWine();
    cleanupTempDirs();
  });

  /** Runs `args` killed before its nth rename; true when it was killed (false: it ran to the end). */
  const killedAt = (n: number, args: string[]): boolean => {
    const r = runCliWin([...args, '--json'], { preload, env: { SERVICEPACK_TEST_KILL_AT_RENAME: String(n) } });
    return !r.stdout.includes('{"type":"result"');
  };

  /** After recover: exactly the old or the new tree, no journal, lock or staged file left; returns which. */
  const settledTree = (target: string, n: number): 'old' | 'new' => {
    const recovered = runCliJson(['recover', '--target', winPath(target)]);
    assert.equal(recovered.status, 0, `n=${n}: ${recovered.run.stdout}${recovered.run.stderr}`);
    const tree = contentTree(target);
    const which = JSON.stringify(tree) === JSON.stringify(contentTree(newDir)) ? 'new' : 'old';
    assert.deepEqual(tree, contentTree(which === 'new' ? newDir : oldDir), `n=${n}`);
    // A first install rolled back leaves no .servicepack at all.
    const state = join(target, '.servicepack');
    const left = existsSync(state) ? describeTree(state).map((l) => l.split(' ')[0]!).filter((p) => /^journal|^lock|tmp-|^staging\//.test(p)) : [];
    assert.deepEqual(left, [], `n=${n}`);
    return which;
  };

  // Each kill costs three Wine processes, so the points are sampled, the same ones every run: every
  // rename up to the 6th, then every third. For the install that is the record, the journal, the key
  // pin, a removal, a DLL's set-aside and, between its two renames, Mdbperf.dll (6), Perfdsa.dll (12)
  // and perfhost.exe (15), then the state (18); the Linux tier kills at every rename (rename-aside.test).
  const samples = function* (): Generator<number> {
    for (let n = 1; n < 60; n = n < 6 ? n + 1 : n + 3) yield n;
  };

  it('install killed before sampled renames (perfhost.exe running): recover leaves exactly 5.5 or SP4, and the host runs on', async () => {
    const seen = new Set<string>();
    let last = 0;
    for (const n of samples()) {
      const target = targetFrom(oldDir);
      const host = await startWin(join(target, 'Exchsrvr/BIN/perfhost.exe'), []);
      try {
        const killed = killedAt(n, ['install', winPath(pack), '--target', winPath(target), '--trusted-key', key()]);
        seen.add(settledTree(target, n));
        assert.equal(await nextLines(host, 2), OLD_LINE, `n=${n}`);
        last = n;
        if (!killed) break;
      } finally {
        await host.stop();
      }
    }
    // record, journal, key pin, 1 removal, 6 changes (2 renames each), 1 addition, state: 18 renames.
    assert.equal(last, 21);
    assert.deepEqual([...seen].sort(), ['new', 'old']);
  });

  it('uninstall killed before sampled renames (perfhost.exe running): recover leaves exactly SP4 or 5.5', async () => {
    const seen = new Set<string>();
    let last = 0;
    for (const n of samples()) {
      const target = targetFrom(oldDir);
      const host = await startWin(join(target, 'Exchsrvr/BIN/perfhost.exe'), []);
      try {
        // Exit 3: the host still runs its set-aside 5.5 DLLs.
        assert.equal(runCliJson(['install', winPath(pack), '--target', winPath(target), '--trusted-key', key()]).status, 3);
        const killed = killedAt(n, ['uninstall', '--target', winPath(target)]);
        seen.add(settledTree(target, n));
        assert.equal(await nextLines(host, 2), OLD_LINE, `n=${n}`);
        last = n;
        if (!killed) break;
      } finally {
        await host.stop();
      }
    }
    assert.ok(last > 12, `only ${last} renames`);
    assert.deepEqual([...seen].sort(), ['new', 'old']);
  });
});
