// The fleet functions as a library caller meets them: option names are the flags' (an engine name or a
// misspelling is USAGE before anything is written), and an AbortSignal stops them, before they start or,
// for sync, in the middle of a chain, which then comes back to the version it started from.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { channel, publish, repoInit, repoTimestamp, statusSync as status, sync, type ProgressEvent } from '../src/index.js';
import { expectRejection, treeOf } from './helpers/packs.js';
import { buildPacks, makeRepo, targetAt, type Packs } from './helpers/fleet.js';
import { testKey } from './helpers/keys.js';
import { cleanupTempDirs, describeTree, hashTree, tempDir } from './helpers/tree.js';

describe('fleet functions: option names and AbortSignal', () => {
  let fx: Packs;
  before(async () => {
    fx = await buildPacks();
  });
  after(() => cleanupTempDirs());

  it('refuses an option that is not a flag (the engine\'s own names too) before writing anything', async () => {
    const parent = tempDir('fleet-api');
    const fresh = join(parent, 'fresh');
    const init = await expectRejection('USAGE', () => repoInit({ repo: fresh, keyDir: join(parent, 'keys') } as never));
    assert.equal(init.details.argument, 'keyDir');
    assert.equal(existsSync(fresh), false);
    const repo = await makeRepo(parent, 'repo', [fx.packs['1.0->2.0']!], '2.0');
    const repoHash = hashTree(repo.dir);
    const refused = [
      ['packKeys', () => publish([fx.packs['2.0->3.0']!], { repo: repo.dir, keys: repo.keys, packKeys: [testKey.pub] } as never)],
      ['requiredStops', () => channel('stable', { repo: repo.dir, keys: repo.keys, requiredStops: ['1.5'] } as never)],
      ['timestampDays', () => repoTimestamp({ repo: repo.dir, keys: repo.keys, timestampDays: 3 } as never)],
    ] as const;
    for (const [name, call] of refused) assert.equal((await expectRejection('USAGE', call)).details.argument, name);
    const target = targetAt(fx.trees, '1.0');
    const s = await expectRejection('USAGE', () => sync({ target, repo: repo.dir, root: repo.root, trustedKeys: [testKey.pub] } as never));
    assert.equal(s.details.argument, 'trustedKeys');
    assert.equal(hashTree(repo.dir), repoHash);
    assert.equal(existsSync(join(target, '.servicepack')), false);
  });

  it('the flags\' names work: packKey, requiredStop, days', async () => {
    const parent = tempDir('fleet-api');
    const repo = await makeRepo(parent, 'repo', [fx.packs['1.0->2.0']!], '2.0');
    const p = await publish([fx.packs['2.0->3.0']!], { repo: repo.dir, keys: repo.keys, packKey: [testKey.pub] });
    assert.deepEqual(p.packs.map((e) => e.added), [true]);
    const c = await channel('stable', { repo: repo.dir, keys: repo.keys, requiredStop: '2.0' });
    assert.deepEqual(c.channel.requiredStops, ['2.0']);
    const now = new Date('2026-11-29T00:00:00Z');
    const t = await repoTimestamp({ repo: repo.dir, keys: repo.keys, days: 3, now });
    assert.equal(t.expires, '2026-12-02T00:00:00Z');
  });

  it('an aborted signal stops each function before it starts: nothing written', async () => {
    const parent = tempDir('fleet-api');
    const repo = await makeRepo(parent, 'repo', [fx.packs['1.0->2.0']!], '2.0');
    const repoHash = hashTree(repo.dir);
    const ac = new AbortController();
    ac.abort(new Error('shutting down'));
    const signal = ac.signal;
    const fresh = join(parent, 'fresh');
    const target = targetAt(fx.trees, '1.0');
    const calls = [
      () => repoInit({ repo: fresh, keys: join(parent, 'keys'), signal }),
      () => publish([fx.packs['2.0->3.0']!], { repo: repo.dir, keys: repo.keys, signal }),
      () => channel('stable', { repo: repo.dir, keys: repo.keys, halt: true, signal }),
      () => repoTimestamp({ repo: repo.dir, keys: repo.keys, signal }),
      () => sync({ target, repo: repo.dir, root: repo.root, cacheDir: tempDir('fleet-cache'), machineId: 'm', signal }),
    ];
    for (const call of calls) {
      const err = await expectRejection('INTERRUPTED', call);
      assert.equal(err.details.signal, 'AbortSignal');
      assert.equal((err.cause as Error).message, 'shutting down');
    }
    assert.equal(existsSync(fresh), false);
    assert.equal(hashTree(repo.dir), repoHash);
    assert.equal(existsSync(join(target, '.servicepack')), false);
  });

  it('aborted during the second link\'s install, sync rolls that link back and the first: the target is 1.0 again', async () => {
    const repo = await makeRepo(tempDir('fleet-api'), 'repo', [fx.packs['1.0->2.0']!, fx.packs['2.0->3.0']!], '3.0');
    const target = targetAt(fx.trees, '1.0');
    const ac = new AbortController();
    let links = 0;
    const onEvent = (e: ProgressEvent): void => {
      if (e.type === 'sync' && e.step === 'link') links += 1; // emitted once a link is installed
      if (e.type === 'step' && links === 1) ac.abort(new Error('shutting down'));
    };
    const err = await expectRejection('INTERRUPTED', () => sync({ target, repo: repo.dir, root: repo.root, cacheDir: tempDir('fleet-cache'), machineId: 'm', signal: ac.signal, onEvent }));
    assert.equal(err.details.signal, 'AbortSignal');
    assert.equal(links, 1); // the first link was installed, the second was not
    assert.deepEqual(treeOf(target), describeTree(fx.trees['1.0']!));
    assert.equal(status({ target }).version, '1.0');
  });
});
