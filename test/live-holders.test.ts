// Install onto a live installation: a running executable (ETXTBSY on write), the libraries it has
// mapped, and files held open by other processes. Every holder survives, keeps its old inode (now the
// set-aside backup), and the target shows the new release; uninstall gives the holders' inodes back.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startHolder, type HolderProcess } from '../src/demo/holder.js';
import { writeExchangeRelease } from '../src/demo/exchange-release.js';
import { build, installSync as install, statusSync as status, uninstallSync as uninstall, verifySync as verify } from '../src/index.js';
import { copyOf, stopChild, testKey, treeOf, trusted } from './helpers/packs.js';
import { needs } from './helpers/tools.js';
import { cleanupTempDirs, tempDir } from './helpers/tree.js';

const bin = 'Exchsrvr/BIN';
const dlls = ['Mdbperf.dll', 'Msefperf.dll', 'Mtaperf.dll', 'Perfdsa.dll'].map((n) => `${bin}/${n}`);

/** dev:inode as /proc/PID/maps prints them, of the file at `path`. */
function mapsIdOf(path: string): string {
  const st = statSync(path, { bigint: true });
  const major = ((st.dev >> 8n) & 0xfffn) | ((st.dev >> 32n) & ~0xfffn);
  const minor = (st.dev & 0xffn) | ((st.dev >> 12n) & ~0xffn);
  return `${major.toString(16).padStart(2, '0')}:${minor.toString(16).padStart(2, '0')} ${st.ino}`;
}

/** Every dev:inode a process has mapped from a file. */
function mappedIds(pid: number): Set<string> {
  return new Set(readFileSync(`/proc/${pid}/maps`, 'utf8').split('\n').map((l) => l.split(/\s+/)).filter((f) => f[5]?.startsWith('/')).map((f) => `${f[3]} ${f[4]}`));
}

const inode = (path: string): bigint => statSync(path, { bigint: true }).ino;
const alive = (pid: number): boolean => readFileSync(`/proc/${pid}/stat`, 'latin1').split(') ')[1]![0] !== 'Z';

describe('install with live holders', { skip: (process.platform !== 'linux' && 'needs /proc and ETXTBSY (Linux)') || needs('cc') }, () => {
  let rel55 = '';
  let relSp4 = '';
  let pack = '';
  const holders: HolderProcess[] = [];
  const sleepers: ChildProcess[] = [];

  before(async () => {
    const work = tempDir('live');
    rel55 = join(work, '5.5');
    relSp4 = join(work, 'sp4');
    writeExchangeRelease(rel55, '5.5');
    writeExchangeRelease(relSp4, 'SP4');
    pack = join(work, 'sp4.svp');
    await build({ oldDir: rel55, newDir: relSp4, out: pack, product: 'exchange', fromVersion: '5.5', toVersion: 'SP4', level: 3, sign: testKey.key });
  });
  after(async () => {
    for (const h of holders) await h.stop();
    for (const s of sleepers) await stopChild(s);
    cleanupTempDirs();
  });

  /** A `sleep` whose stdin is `path`, opened before the install. */
  function holdOpen(path: string): ChildProcess {
    const fd = openSync(path, 'r');
    try {
      const child = spawn('sleep', ['600'], { stdio: [fd, 'ignore', 'ignore'] });
      sleepers.push(child);
      return child;
    } finally {
      closeSync(fd);
    }
  }

  it('swaps every held file without disturbing its holder, and uninstall swaps them back', async () => {
    const target = copyOf(rel55);
    const host = await startHolder(join(target, bin, 'perfhost'), dlls.map((p) => join(target, p)));
    holders.push(host);
    const readme = holdOpen(join(target, 'Exchsrvr/README.txt')); // changed by SP4
    const legacy = holdOpen(join(target, bin, 'legacy.dll')); // removed by SP4
    const held = [`${bin}/perfhost`, ...dlls];

    // The holds are real: the executable cannot be opened for writing, and the host maps every file.
    assert.throws(() => openSync(join(target, bin, 'perfhost'), 'r+'), { code: 'ETXTBSY' });
    const before = mappedIds(host.pid);
    for (const p of held) assert.ok(before.has(mapsIdOf(join(target, p))), `${p} mapped before`);
    const oldInodes = new Map([...held, 'Exchsrvr/README.txt', `${bin}/legacy.dll`].map((p) => [p, inode(join(target, p))]));
    assert.equal(inode(`/proc/${readme.pid}/fd/0`), oldInodes.get('Exchsrvr/README.txt'));

    const done = install(pack, { ...trusted, target });
    assert.deepEqual(treeOf(target), treeOf(relSp4));
    assert.equal(verify({ target }).ok, true);
    assert.deepEqual([host.alive(), alive(readme.pid!), alive(legacy.pid!)], [true, true, true]);

    // Each holder still has its old inode, which is now the set-aside copy in the backup.
    const backup = join(target, '.servicepack/backup', done.txid, 'files');
    const mapped = mappedIds(host.pid);
    for (const p of held) {
      assert.equal(inode(join(backup, p)), oldInodes.get(p), `${p} set aside as the same inode`);
      assert.ok(mapped.has(mapsIdOf(join(backup, p))), `${p}: the host maps the set-aside inode`);
      assert.ok(!mapped.has(mapsIdOf(join(target, p))), `${p}: the host does not map the new file`);
    }
    assert.equal(inode(`/proc/${readme.pid}/fd/0`), inode(join(backup, 'Exchsrvr/README.txt')));
    assert.equal(inode(`/proc/${legacy.pid}/fd/0`), inode(join(backup, bin, 'legacy.dll')));
    assert.deepEqual(done.setAside, [...dlls, `${bin}/legacy.dll`, `${bin}/perfhost`, 'Exchsrvr/README.txt']);

    // The new perfhost is not running, so it can be written; the held old one lives on in the backup.
    closeSync(openSync(join(target, bin, 'perfhost'), 'r+'));
    assert.throws(() => openSync(join(backup, bin, 'perfhost'), 'r+'), { code: 'ETXTBSY' });

    assert.equal(uninstall({ target }).version, '5.5');
    assert.deepEqual(treeOf(target), treeOf(rel55));
    assert.equal(status({ target }).version, '5.5');
    assert.equal(host.alive(), true);
    const again = mappedIds(host.pid);
    for (const p of held) {
      assert.equal(inode(join(target, p)), oldInodes.get(p), `${p} is the original inode again`);
      assert.ok(again.has(mapsIdOf(join(target, p))), `${p} mapped from the target again`);
    }
    assert.equal(inode(`/proc/${readme.pid}/fd/0`), inode(join(target, 'Exchsrvr/README.txt')));
    assert.deepEqual([alive(readme.pid!), alive(legacy.pid!)], [true, true]);
  });
});
