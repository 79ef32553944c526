// Free space on a real small tmpfs: the dry run and the install agree on what a transaction needs
// (records included, which dominate for a pack over many files), and an ENOSPC that still happens (the
// disk filled by someone else mid-transaction) rolls back leaving no temp file on the full disk.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { build, installSync as install, isServicePackError, type InstallPlan } from '../src/index.js';
import { packFrom, testKey, trusted } from './helpers/packs.js';
import { cleanupTempDirs, hashTree, makeTree, tempDir, type TreeSpec } from './helpers/tree.js';

const mounts: string[] = [];

/** A new tmpfs of `size` (mount(8) syntax), unmounted after the tests; null when mounting is not allowed. */
function tmpfs(size: string): string | null {
  const dir = tempDir('tmpfs');
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { encoding: 'utf8' });
  if (r.status !== 0) return null;
  mounts.push(dir);
  return dir;
}

/** Every path under `dir` whose name looks like a temp file of an atomic write (`.x.tmp-PID`). */
function tempFilesUnder(dir: string): string[] {
  return (readdirSync(dir, { recursive: true }) as string[]).filter((p) => /\.tmp-\d+$/.test(p));
}

/** 3,000 empty files with long names (no data blocks on tmpfs, but 3,000 entries in every record) and one file that changes. */
function manyFiles(tool: string): TreeSpec {
  const many: TreeSpec = {};
  for (let i = 0; i < 3000; i++) many[`${String(i).padStart(4, '0')}-${'n'.repeat(120)}`] = '';
  return { many, bin: { tool } };
}

const canMount = (() => {
  const probe = tmpfs('64k');
  return probe === null ? 'mounting a tmpfs is not allowed here' : false;
})();

describe('free space on a small tmpfs', { skip: canMount }, () => {
  after(() => {
    for (const m of mounts.splice(0)) spawnSync('umount', [m]);
    cleanupTempDirs();
  });
  let pack = '';
  let oldDir = '';
  before(async () => {
    ({ pack, oldDir } = await packFrom(manyFiles('tool v1\n'), manyFiles('tool v2\n')));
  });

  it('the dry run counts the records, and the install refuses with the same NO_SPACE before any change', () => {
    const disk = tmpfs('512k')!;
    const target = join(disk, 'app');
    cpSync(oldDir, target, { recursive: true });
    const before = hashTree(disk);
    const plan: InstallPlan = install(pack, { ...trusted, target, dryRun: true });
    // Content alone is one 4 KiB block; the tree's listing, written by this first install, lists all 3,001 files.
    assert.equal(plan.fits, false);
    assert.ok(plan.bytesToWrite > plan.freeBytes, `${plan.bytesToWrite} <= ${plan.freeBytes}`);
    assert.ok(plan.freeBytes <= 524288);
    let err: unknown;
    try {
      install(pack, { ...trusted, target });
    } catch (e) {
      err = e;
    }
    assert.ok(isServicePackError(err, 'NO_SPACE'), String(err));
    assert.deepEqual(err.details, { target, needed: plan.bytesToWrite, available: plan.freeBytes });
    assert.equal(hashTree(disk), before);
  });

  it('the dry run says it fits where the install then fits', () => {
    const disk = tmpfs('8m')!;
    const target = join(disk, 'app');
    cpSync(oldDir, target, { recursive: true });
    const plan = install(pack, { ...trusted, target, dryRun: true });
    assert.equal(plan.fits, true);
    const r = install(pack, { ...trusted, target });
    assert.equal(r.toVersion, '2.0');
  });

  it('an ENOSPC after the checks (the pre hook fills the disk) rolls back and leaves no temp file', async () => {
    const disk = tmpfs('2m')!;
    const filler = join(disk, 'filler');
    const oldTree = makeTree({ bin: { tool: 'tool v1\n' }, 'data.conf': 'a=1\n' });
    const newTree = makeTree({ bin: { tool: 'tool v2\n' }, 'data.conf': 'a=2\n' });
    const hooked = join(tempDir('hooked'), 'sp.svp');
    // The pre hook runs after staging and the backup record, before the journal: it fills the disk.
    await build({
      oldDir: oldTree, newDir: newTree, out: hooked, product: 'acme', fromVersion: '1.0', toVersion: '2.0', level: 3, sign: testKey.key,
      preHook: ['sh', '-c', `head -c 4000000 /dev/zero > ${filler}; exit 0`],
    });
    const target = join(disk, 'app');
    cpSync(oldTree, target, { recursive: true });
    const before = hashTree(target);
    let err: unknown;
    try {
      install(hooked, { ...trusted, target });
    } catch (e) {
      err = e;
    }
    assert.ok(isServicePackError(err, 'IO_FAILED'), String(err));
    assert.equal(err.details.errno, 'ENOSPC');
    // Rolled back: exactly the old tree, no .servicepack/ (a first install), and no temp file anywhere.
    assert.deepEqual(tempFilesUnder(disk), []);
    assert.equal(hashTree(target), before);
    rmSync(filler);
  });
});
