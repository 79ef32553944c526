// sync from a file:// repository (an air-gapped site's mounted copy), and a link whose install fails:
// the target comes back to the version the sync started from.
import assert from 'node:assert/strict';
import { pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { statusSync as status, sync } from '../src/index.js';
import { expectRejection, treeOf } from './helpers/packs.js';
import { buildPacks, makeRepo, targetAt, type Packs } from './helpers/fleet.js';
import { cleanupTempDirs, describeTree, hashTree, tempDir } from './helpers/tree.js';

describe('sync from file://', () => {
  let fx: Packs;
  before(async () => {
    fx = await buildPacks({ failingPre: true, unhealthy: true });
  });
  after(() => cleanupTempDirs());

  it('installs the chain from a file:// URL and from a plain directory', async () => {
    const repo = await makeRepo(tempDir('fleet-file'), 'repo', [fx.packs['1.0->2.0']!, fx.packs['2.0->3.0']!], '3.0');
    for (const url of [pathToFileURL(repo.dir).href, repo.dir]) {
      const target = targetAt(fx.trees, '1.0');
      const r = await sync({ target, repo: url, root: repo.root, cacheDir: tempDir('fleet-cache'), machineId: 'm' });
      assert.equal(r.version, '3.0');
      assert.deepEqual(treeOf(target), describeTree(fx.trees['3.0']!));
    }
  });

  it('a link whose install fails (pre hook exits 1) leaves the target at the starting version', async () => {
    const repo = await makeRepo(tempDir('fleet-file'), 'repo', [fx.packs['1.0->2.0']!, fx.packs['2.0->3.0 failing']!], '3.0');
    const target = targetAt(fx.trees, '1.0');
    const start = treeOf(target);
    await expectRejection('HOOK_FAILED', () => sync({ target, repo: repo.dir, root: repo.root, cacheDir: tempDir('fleet-cache'), machineId: 'm' }));
    assert.deepEqual(treeOf(target), start);
    assert.notEqual(status({ target }).version, '2.0');
  });

  it('a link whose health check fails (HEALTH_FAILED) leaves the target at the starting version', async () => {
    const repo = await makeRepo(tempDir('fleet-file'), 'repo', [fx.packs['1.0->2.0']!, fx.packs['2.0->3.0 unhealthy']!], '3.0');
    const target = targetAt(fx.trees, '1.0');
    const start = treeOf(target);
    await expectRejection('HEALTH_FAILED', () => sync({ target, repo: repo.dir, root: repo.root, cacheDir: tempDir('fleet-cache'), machineId: 'm' }));
    assert.deepEqual(treeOf(target), start);
    assert.equal(status({ target }).version, '1.0');
  });

  it('an unreachable repository is refused (REPO_UNREACHABLE), the target byte-identical', async () => {
    const target = targetAt(fx.trees, '1.0');
    const h = hashTree(target);
    const repo = await makeRepo(tempDir('fleet-file'), 'repo', [fx.packs['1.0->2.0']!], '2.0');
    await expectRejection('REPO_UNREACHABLE', () => sync({ target, repo: 'http://127.0.0.1:9/', root: repo.root, cacheDir: tempDir('fleet-cache'), machineId: 'm' }));
    await expectRejection('REPO_UNREACHABLE', () => sync({ target, repo: `${repo.dir}-missing`, root: repo.root, cacheDir: tempDir('fleet-cache'), machineId: 'm' }));
    assert.equal(hashTree(target), h);
  });

  it('no chain to the channel version (NO_CHAIN) when the only link lands on a pulled version', async () => {
    const repo = await makeRepo(tempDir('fleet-file'), 'repo', [fx.packs['1.0->2.0']!, fx.packs['2.0->3.0']!], '3.0');
    const { channel } = await import('../src/index.js');
    await channel('stable', { repo: repo.dir, keyDir: repo.keys, pull: ['2.0'] });
    const target = targetAt(fx.trees, '1.0');
    const h = hashTree(target);
    await expectRejection('NO_CHAIN', () => sync({ target, repo: repo.dir, root: repo.root, cacheDir: tempDir('fleet-cache'), machineId: 'm' }));
    assert.equal(hashTree(target), h);
  });
});
