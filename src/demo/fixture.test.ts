// End-to-end check of the native fixture: reproducible releases, a real holder that maps the four
// DLLs, and the Q320097 failure mode of a naive setup (ETXTBSY on perfhost, a crash on the DLLs).
import assert from 'node:assert/strict';
import { readFileSync, readlinkSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { needs } from '../../test/helpers/tools.js';
import { cleanupTempDirs, describeTree, hashTree, sha256OfFile, tempDir } from '../../test/helpers/tree.js';
import { perfLibraryNames } from './compile.js';
import { writeExchangeRelease } from './exchange-release.js';
import { startHolder, waitForExit, type HolderProcess } from './holder.js';
import { naiveCopyOver } from './naive-copy.js';

const bin = 'Exchsrvr/BIN';

/** "major:minor" as /proc/PID/maps prints it (hex), from a stat st_dev. */
function deviceOf(path: string): { dev: string; ino: string } {
  const st = statSync(path, { bigint: true });
  const major = ((st.dev >> 8n) & 0xfffn) | ((st.dev >> 32n) & ~0xfffn);
  const minor = (st.dev & 0xffn) | ((st.dev >> 12n) & ~0xffn);
  const hex = (n: bigint, width: number): string => n.toString(16).padStart(width, '0');
  return { dev: `${hex(major, 2)}:${hex(minor, 2)}`, ino: st.ino.toString() };
}

/** True when some mapping of `pid` is the file at `path`, matched by device+inode. */
function isMapped(pid: number, path: string): boolean {
  const { dev, ino } = deviceOf(path);
  return readFileSync(`/proc/${pid}/maps`, 'utf8')
    .split('\n')
    .some((line) => {
      const fields = line.split(/\s+/);
      return fields[3] === dev && fields[4] === ino;
    });
}

describe('demo fixture', { skip: (process.platform !== 'linux' && 'needs /proc and ETXTBSY (Linux)') || needs('cc') }, () => {
  let work = '';
  const holders: HolderProcess[] = [];
  before(() => {
    work = tempDir('fixture');
    writeExchangeRelease(join(work, 'base'), '5.5');
    writeExchangeRelease(join(work, 'base-again'), '5.5');
    writeExchangeRelease(join(work, 'sp4'), 'SP4');
  });
  after(async () => {
    await Promise.all(holders.map((h) => h.stop()));
    cleanupTempDirs();
  });

  it('writes reproducible releases that differ where SP4 changes them', () => {
    assert.deepEqual(describeTree(join(work, 'base-again')), describeTree(join(work, 'base')));
    assert.equal(hashTree(join(work, 'base-again')), hashTree(join(work, 'base')));
    for (const name of [...perfLibraryNames, 'perfhost']) {
      assert.notEqual(sha256OfFile(join(work, 'sp4', bin, name)), sha256OfFile(join(work, 'base', bin, name)), name);
    }
    const lines = describeTree(join(work, 'sp4'));
    assert.ok(lines.includes(`${bin}/perfmon symlink perfhost`));
    assert.ok(lines.includes('Exchsrvr/MTADATA dir'));
    assert.ok(lines.some((l) => l.startsWith(`${bin}/perfhost file 0755 `)));
    assert.ok(lines.some((l) => l.startsWith(`${bin}/mapi32.dll file 0644 `)));
    assert.ok(!lines.some((l) => l.startsWith(`${bin}/legacy.dll `)));
    assert.ok(describeTree(join(work, 'base')).some((l) => l.startsWith(`${bin}/legacy.dll file 0644 `)));
    assert.equal(sha256OfFile(join(work, 'sp4', bin, 'store.cfg')), sha256OfFile(join(work, 'base', bin, 'store.cfg')));
  });

  it('runs perfhost until SIGTERM, then exits 0', async () => {
    const sp4 = join(work, 'sp4', bin);
    const h = await startHolder(join(sp4, 'perfhost'), perfLibraryNames.map((n) => join(sp4, n)));
    holders.push(h);
    assert.equal(await waitForExit(h, 100), null);
    assert.equal(h.alive(), true);
    await h.stop();
    assert.deepEqual(h.exitInfo(), { code: 0, signal: null });
  });

  it('holds the 5.5 DLLs; a naive copy of SP4 gets ETXTBSY on perfhost and crashes the holder', async () => {
    const base = join(work, 'base', bin);
    const host = join(base, 'perfhost');
    const hostHash = sha256OfFile(host);
    const h = await startHolder(host, perfLibraryNames.map((n) => join(base, n)));
    holders.push(h);

    for (const name of perfLibraryNames) assert.ok(isMapped(h.pid, join(base, name)), `${name} is mapped`);
    assert.equal(readlinkSync(`/proc/${h.pid}/exe`), host);
    assert.deepEqual(deviceOf(`/proc/${h.pid}/exe`), deviceOf(host));

    // perfhost first: once a DLL is overwritten the holder dies and its executable is no longer busy.
    const results = naiveCopyOver(join(work, 'sp4'), join(work, 'base'), [
      `${bin}/perfhost`,
      ...perfLibraryNames.map((n) => `${bin}/${n}`),
    ]);
    assert.deepEqual(results, [
      { path: `${bin}/perfhost`, outcome: 'ETXTBSY' },
      ...perfLibraryNames.map((n) => ({ path: `${bin}/${n}`, outcome: 'copied' })),
    ]);
    assert.equal(sha256OfFile(host), hostHash, 'ETXTBSY left perfhost untouched');

    const exit = await waitForExit(h, 2000);
    assert.ok(exit !== null, 'holder died within 2 s');
    assert.equal(exit.code, null);
    assert.ok(exit.signal === 'SIGBUS' || exit.signal === 'SIGSEGV', `killed by ${exit.signal}`);
  });
});
