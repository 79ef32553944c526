// sync against a real nginx serving repositories the library built: a chain of two packs, idempotence,
// and each refusal (tampered pack, tampered metadata, expired timestamp, rolled-back metadata, halt,
// rollout) leaving the target byte-identical, checked by tree hash.
import assert from 'node:assert/strict';
import { cpSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { channel, repoTimestamp, statusSync as status, sync } from '../src/index.js';
import { expectRejection, treeOf } from './helpers/packs.js';
import { buildPacks, makeRepo, targetAt, type Packs } from './helpers/fleet.js';
import { startNginx, type Nginx } from './helpers/nginx.js';
import { needs } from './helpers/tools.js';
import { cleanupTempDirs, describeTree, hashTree, tempDir } from './helpers/tree.js';

describe('sync from nginx', { skip: needs('nginx') }, () => {
  let fx: Packs;
  let web: string;
  let nginx: Nginx;
  before(async () => {
    fx = await buildPacks();
    web = tempDir('fleet-web');
    nginx = await startNginx(web);
  });
  after(async () => {
    await nginx?.stop();
    cleanupTempDirs();
  });
  const chainRepo = (name: string) => makeRepo(web, name, [fx.packs['1.0->2.0']!, fx.packs['2.0->3.0']!], '3.0');
  const syncOpts = (name: string, root: string, target: string, cacheDir = tempDir('fleet-cache')) => ({ target, repo: `${nginx.url}${name}/`, root, cacheDir, machineId: 'machine-a' });

  it('installs a chain of two packs onto a target never managed, then a second sync changes nothing', async () => {
    const repo = await chainRepo('chain');
    const target = targetAt(fx.trees, '1.0');
    const opts = syncOpts('chain', repo.root, target);
    const r = await sync(opts);
    assert.equal(r.changed, true);
    assert.deepEqual(r.installed.map((l) => `${l.from}->${l.to}`), ['1.0->2.0', '2.0->3.0']);
    assert.deepEqual(treeOf(target), describeTree(fx.trees['3.0']!));
    assert.equal(status({ target }).version, '3.0');
    const before2 = hashTree(target);
    const again = await sync(opts);
    assert.equal(again.changed, false);
    assert.deepEqual(again.links, []);
    assert.equal(hashTree(target), before2);
    assert.match(nginx.accessLog(), /GET \/chain\/metadata\/timestamp\.json HTTP\/1\.1" 200/);
  });

  it('refuses a tampered pack file (DOWNLOAD_CORRUPT), the target byte-identical', async () => {
    const repo = await chainRepo('tampered-pack');
    const dir = join(repo.dir, 'targets', 'packs');
    const file = join(dir, readdirSync(dir).find((n) => n.endsWith('acme_2.0_3.0.svp'))!);
    const bytes = readFileSync(file);
    bytes[bytes.length >> 1] = bytes[bytes.length >> 1]! ^ 0xff;
    writeFileSync(file, bytes);
    const target = targetAt(fx.trees, '1.0');
    const h = hashTree(target);
    await expectRejection('DOWNLOAD_CORRUPT', () => sync(syncOpts('tampered-pack', repo.root, target)));
    assert.equal(hashTree(target), h);
  });

  it('refuses a tampered metadata file (METADATA_INVALID), the target byte-identical', async () => {
    const repo = await chainRepo('tampered-metadata');
    const meta = join(repo.dir, 'metadata');
    const latest = readdirSync(meta).filter((n) => /^\d+\.targets\.json$/.test(n)).sort((a, b) => parseInt(b) - parseInt(a))[0]!;
    const text = readFileSync(join(meta, latest), 'utf8');
    writeFileSync(join(meta, latest), text.replace('"acme_2.0_3.0.svp"', '"acme_2.0_3.0.svp" ').replace(/"to": "3.0"/, '"to": "3.1"'));
    assert.notEqual(readFileSync(join(meta, latest), 'utf8'), text);
    const target = targetAt(fx.trees, '1.0');
    const h = hashTree(target);
    const err = await expectRejection('METADATA_INVALID', () => sync(syncOpts('tampered-metadata', repo.root, target)));
    assert.match(err.message, /signed by 0\/1 keys/);
    assert.equal(hashTree(target), h);
  });

  it('refuses an expired timestamp (METADATA_EXPIRED), the target byte-identical', async () => {
    const repo = await chainRepo('expired');
    await repoTimestamp({ repo: repo.dir, keyDir: repo.keys, now: new Date(Date.now() - 30 * 86_400_000) });
    const target = targetAt(fx.trees, '1.0');
    const h = hashTree(target);
    const err = await expectRejection('METADATA_EXPIRED', () => sync(syncOpts('expired', repo.root, target)));
    assert.match(err.message, /timestamp\.json is expired/);
    assert.equal(hashTree(target), h);
  });

  it('refuses metadata older than it trusted already (METADATA_ROLLBACK), the target byte-identical', async () => {
    const repo = await chainRepo('rollback');
    const ts = join(repo.dir, 'metadata', 'timestamp.json');
    const old = readFileSync(ts);
    await repoTimestamp({ repo: repo.dir, keyDir: repo.keys });
    const target = targetAt(fx.trees, '1.0');
    const opts = syncOpts('rollback', repo.root, target);
    await sync({ ...opts, dryRun: true });
    writeFileSync(ts, old);
    const h = hashTree(target);
    const err = await expectRejection('METADATA_ROLLBACK', () => sync(opts));
    assert.match(err.message, /less than current version/);
    assert.equal(hashTree(target), h);
  });

  it('a halted channel stops sync before any download (CHANNEL_HALTED); --resume lets it through', async () => {
    const repo = await chainRepo('halt');
    await channel('stable', { repo: repo.dir, keyDir: repo.keys, halt: true });
    const target = targetAt(fx.trees, '1.0');
    const h = hashTree(target);
    const opts = syncOpts('halt', repo.root, target);
    await expectRejection('CHANNEL_HALTED', () => sync(opts));
    assert.equal(hashTree(target), h);
    assert.doesNotMatch(nginx.accessLog(), /\/halt\/targets\/packs\//);
    await channel('stable', { repo: repo.dir, keyDir: repo.keys, resume: true });
    assert.equal((await sync(opts)).version, '3.0');
  });

  it('a halt published between links stops the chain at a whole version', async () => {
    const repo = await chainRepo('halt-between');
    const target = targetAt(fx.trees, '1.0');
    await expectRejection('CHANNEL_HALTED', () => sync({
      ...syncOpts('halt-between', repo.root, target),
      checkLink: async () => {
        await channel('stable', { repo: repo.dir, keyDir: repo.keys, halt: true });
      },
    }));
    assert.equal(status({ target }).version, '2.0');
    assert.deepEqual(treeOf(target), describeTree(fx.trees['2.0']!));
  });

  it('0% admits no machine (NOT_IN_ROLLOUT, target unchanged), 100% admits every one', async () => {
    const repo = await makeRepo(web, 'rollout', [fx.packs['1.0->2.0']!], '2.0', { percent: 0 });
    const target = targetAt(fx.trees, '1.0');
    const h = hashTree(target);
    for (const id of ['machine-a', 'machine-b', 'machine-c']) {
      const err = await expectRejection('NOT_IN_ROLLOUT', () => sync({ ...syncOpts('rollout', repo.root, target), machineId: id }));
      assert.equal(err.details.percent, 0);
    }
    assert.equal(hashTree(target), h);
    await channel('stable', { repo: repo.dir, keyDir: repo.keys, percent: 100 });
    for (const id of ['machine-b', 'machine-c']) {
      const t = targetAt(fx.trees, '1.0');
      assert.equal((await sync({ ...syncOpts('rollout', repo.root, t), machineId: id })).version, '2.0');
    }
  });

  it('a link whose health gate fails rolls the target back to where sync started', async () => {
    const repo = await chainRepo('gate');
    const target = targetAt(fx.trees, '1.0');
    const start = treeOf(target);
    let links = 0;
    await assert.rejects(sync({ ...syncOpts('gate', repo.root, target), checkLink: (link) => {
      links++;
      if (link.to === '3.0') throw new Error('health check failed');
    } }), /health check failed/);
    assert.equal(links, 2);
    assert.deepEqual(treeOf(target), start);
  });

  it('cheapest chain: the direct pack when it is smaller than the two links', async () => {
    await makeRepo(web, 'cheapest', Object.values(fx.packs), '3.0');
    const repo = join(web, 'cheapest');
    const root = join(repo, 'metadata', '1.root.json');
    const copy = join(tempDir('fleet-root'), 'root.json');
    cpSync(root, copy);
    const target = targetAt(fx.trees, '1.0');
    const r = await sync(syncOpts('cheapest', copy, target));
    assert.deepEqual(r.installed.map((l) => `${l.from}->${l.to}`), ['1.0->3.0']);
  });
});
